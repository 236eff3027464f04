//! What a simulator instance is started with.

use chrono::{DateTime, Utc};

use crate::faults::FaultConfig;
use crate::quirks::Quirks;
use crate::shape::Shape;

/// Everything a simulator is started with. `Default` is the small data set
/// the other crates' tests use; the binary has its own, larger defaults.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Seed of the data generator: the same seed gives the same data.
    pub seed: u64,
    pub customers: usize,
    pub tickets: usize,
    /// Comments per generated ticket (the first is the initial issue).
    pub comments_per_ticket: usize,
    pub invoices: usize,
    /// The one API key accepted (query `api_key` or `Authorization: Bearer`).
    pub api_key: String,
    /// Requests per sliding 60 s window per client IP; 0 disables the limit.
    pub rate_limit_per_minute: u32,
    pub faults: FaultConfig,
    /// Deliberate misbehaviour on from the start (all off by default), so a
    /// test can run against a server that rewrites comment bodies without
    /// racing a `set_quirks` call.
    pub quirks: Quirks,
    /// How answers are shaped (time zone, paging, errors, ...): the
    /// simulator's tidy rendering by default, `Shape::realistic()` for the
    /// live service's. A `clock_skew_secs` here also moves the generated
    /// history (when `anchor` is `None`).
    pub shape: Shape,
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The generated history ends just before this instant. `None` means
    /// "now"; set it to make two generations compare equal timestamp for
    /// timestamp.
    pub anchor: Option<DateTime<Utc>>,
    /// How many recent requests GET /admin/log keeps.
    pub log_capacity: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            customers: 20,
            tickets: 60,
            comments_per_ticket: 3,
            invoices: 10,
            api_key: "test-key".to_string(),
            rate_limit_per_minute: 180,
            faults: FaultConfig::default(),
            quirks: Quirks::default(),
            shape: Shape::default(),
            port: 0,
            anchor: None,
            log_capacity: 1000,
        }
    }
}
