//! The binary's command line (declared by main.rs, not part of the library):
//! raw flags, and their translation into a checked `SimConfig`.

use clap::{Parser, ValueEnum};
use syncro_sim::{FaultConfig, FaultKind, Quirks, Shape, SimConfig};

const AFTER_HELP: &str = "\
Quirks (--quirks, comma-separated; also PUT /admin/quirks):
  ignore_price_retail  line items ignore price_retail: every price lands at $0.00
  comment_crlf         stored comment bodies get \\r\\n for every \\n
  comment_br           stored comment bodies get <br> before each line end
  comment_trim         comment subject/body trimmed, runs of spaces collapsed
  comment_entities     & < > stored as &amp; &lt; &gt;, hard/double spaces as &nbsp;
  comment_paragraphs   comment bodies wrapped in <p>..</p> per blank-line block

Shape options (--shape, comma-separated NAME or NAME=VALUE; also PUT /admin/shape).
All off by default (the tidy rendering); [realistic value] in brackets:
  utc_offset_minutes=M  timestamps in this offset with millis, e.g. -05:00;
                        invoice date/due_date local midnight [-300]
  ticket_page_size=N    GET /tickets ignores per_page, N a page [50]
  invoice_page_size=N   GET /invoices ignores per_page, N a page [25]
  lean_meta             tickets/invoices meta: only total_pages and page [on]
  string_decimals       ticket line item price_cost/price_retail as strings [on]
  error_shapes          404/422 bodies in each endpoint's fixed format [on]
  no_retry_after        429 answers without Retry-After [on]
  since_inclusive       since_updated_at is >= instead of > [on]
  comment_bumps_ticket  a new comment bumps the ticket's updated_at
                        [default on; realistic off: =false]
  ignore_customer_sort  GET /customers ignores sort, answers in id order [on]
  clock_skew_secs=S     the server's clock runs S seconds ahead [0]
  null_list_rows        tickets/invoices pages carry a null row [off]
  Bools take NAME alone (on) or NAME=true|false; `none` clears a valued one.

Profiles (--profile):
  realistic  as imperfect as the live service usually is: quirks comment_crlf
             and comment_trim, plus `latency` faults on 5% of all requests
             (reads too), 50..400 ms, plus every shape option at its
             [realistic value] above. --quirks adds to its quirks; --shape
             settings apply on top of its shape (e.g. since_inclusive=false);
             an explicit --fault-rate, --fault-kinds or --latency-ms
             replaces its value.";

/// A named bundle of quirks and fault settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// comment_crlf + comment_trim, latency faults on 5% of requests
    /// (50..400 ms), the realistic answer shape.
    Realistic,
}

/// The realistic profile's random faults: a small share of slow answers,
/// nothing that loses or duplicates a write on its own.
const REALISTIC_FAULT_RATE: f64 = 0.05;
const REALISTIC_LATENCY_MS: (u64, u64) = (50, 400);
const DEFAULT_LATENCY_MS: (u64, u64) = (50, 500);

/// Raw command line; `into_config` turns it into a checked `SimConfig`.
#[derive(Parser, Debug)]
#[command(
    name = "syncro-sim",
    version,
    about = "Syncro PSA API simulator",
    after_help = AFTER_HELP
)]
pub struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 200)]
    customers: usize,
    #[arg(long, default_value_t = 2000)]
    tickets: usize,
    /// Comments per generated ticket.
    #[arg(long, default_value_t = 4)]
    comments: usize,
    #[arg(long, default_value_t = 300)]
    invoices: usize,
    /// The API key clients must send.
    #[arg(
        long,
        env = "SYNCRO_SIM_API_KEY",
        hide_env_values = true,
        default_value = "test-key"
    )]
    api_key: String,
    /// Requests per minute per client IP (0: unlimited).
    #[arg(long, default_value_t = 180)]
    rate_limit: u32,
    /// Probability (0..=1) of a random fault per /api/v1 request
    /// [default: 0, or the profile's].
    #[arg(long)]
    fault_rate: Option<f64>,
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// Random faults only on writes.
    #[arg(long)]
    fault_writes_only: bool,
    /// Fault kinds to draw from, comma-separated [default: all but the
    /// opt-in colleague_twin, forbidden and unauthorized, or the profile's].
    #[arg(long, value_delimiter = ',')]
    fault_kinds: Vec<FaultKind>,
    /// Added latency range for the `latency` fault, "MIN..MAX" ms
    /// [default: 50..500, or the profile's].
    #[arg(long)]
    latency_ms: Option<String>,
    /// Delay of the `apply_then_slow_answer` fault, ms.
    #[arg(long, default_value_t = 10_000)]
    slow_answer_ms: u64,
    /// How long the `hang_then_commit` fault holds a request before applying
    /// it, ms.
    #[arg(long, default_value_t = 8_000)]
    hang_commit_ms: u64,
    /// Quirks to switch on, comma-separated (names below).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    quirks: Vec<String>,
    /// Shape options, comma-separated NAME or NAME=VALUE (names below).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    shape: Vec<String>,
    /// A bundle of quirks, faults and shape options (see below).
    #[arg(long, value_enum)]
    profile: Option<Profile>,
}

fn parse_range(raw: &str) -> Result<(u64, u64), String> {
    raw.split_once("..")
        .and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)))
        .filter(|(a, b)| a <= b)
        .ok_or_else(|| format!("--latency-ms must look like 50..500, got {raw:?}"))
}

impl Args {
    /// The checked configuration, or the usage error to print (exit 2).
    pub fn into_config(self) -> Result<SimConfig, String> {
        let realistic = self.profile == Some(Profile::Realistic);
        let rate = match self.fault_rate {
            Some(r) => r,
            None if realistic => REALISTIC_FAULT_RATE,
            None => 0.0,
        };
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("--fault-rate must be between 0 and 1, got {rate}"));
        }
        let (lo, hi) = match (&self.latency_ms, realistic) {
            (Some(raw), _) => parse_range(raw)?,
            (None, true) => REALISTIC_LATENCY_MS,
            (None, false) => DEFAULT_LATENCY_MS,
        };
        let mut quirks = Quirks::from_names(self.quirks.iter().map(String::as_str))
            .map_err(|e| format!("--quirks: {e}"))?;
        if realistic {
            quirks = quirks.union(Quirks::realistic());
        }
        let base_shape = if realistic {
            Shape::realistic()
        } else {
            Shape::default()
        };
        let shape = base_shape
            .with(self.shape.iter().map(String::as_str))
            .map_err(|e| format!("--shape: {e}"))?;
        let mut faults = FaultConfig {
            seed: self.fault_seed,
            rate,
            writes_only: self.fault_writes_only,
            latency_min_ms: lo,
            latency_max_ms: hi,
            slow_answer_ms: self.slow_answer_ms,
            hang_commit_ms: self.hang_commit_ms,
            ..FaultConfig::default()
        };
        if !self.fault_kinds.is_empty() {
            faults.weights = self.fault_kinds.iter().map(|k| (*k, 1)).collect();
        } else if realistic {
            faults.weights = [(FaultKind::Latency, 1)].into_iter().collect();
        }
        Ok(SimConfig {
            seed: self.seed,
            customers: self.customers,
            tickets: self.tickets,
            comments_per_ticket: self.comments,
            invoices: self.invoices,
            api_key: self.api_key,
            rate_limit_per_minute: self.rate_limit,
            faults,
            quirks,
            shape,
            port: self.port,
            ..SimConfig::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Result<SimConfig, String> {
        let argv = std::iter::once("syncro-sim").chain(args.iter().copied());
        Args::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .into_config()
    }

    #[test]
    fn defaults_have_no_quirks_and_no_faults() {
        let c = config(&[]).expect("defaults parse");
        assert_eq!(c.quirks, Quirks::default());
        assert_eq!(c.faults.rate, 0.0);
        assert_eq!(
            (c.faults.latency_min_ms, c.faults.latency_max_ms),
            (50, 500)
        );
        assert_eq!(c.faults.hang_commit_ms, 8_000);
        assert_eq!(c.faults.weights, FaultConfig::default().weights);
        assert_eq!(c.shape, Shape::default());
    }

    #[test]
    fn quirks_are_read_by_name() {
        let c = config(&[
            "--quirks",
            "comment_crlf,comment_br",
            "--quirks",
            "comment_trim",
        ])
        .expect("known quirks parse");
        assert_eq!(
            c.quirks.names_on(),
            ["comment_crlf", "comment_br", "comment_trim"]
        );
    }

    #[test]
    fn an_unknown_quirk_is_a_usage_error_naming_it() {
        let err =
            config(&["--quirks", "comment_crlf,comment_bold"]).expect_err("unknown quirk refused");
        assert!(err.contains("\"comment_bold\""), "{err}");
        assert!(
            err.contains("comment_paragraphs"),
            "lists the known ones: {err}"
        );
    }

    #[test]
    fn realistic_profile_sets_quirks_and_light_latency() {
        let c =
            config(&["--profile", "realistic", "--quirks", "comment_br"]).expect("profile parses");
        assert_eq!(
            c.quirks.names_on(),
            ["comment_crlf", "comment_br", "comment_trim"]
        );
        assert_eq!(c.faults.rate, 0.05);
        assert!(!c.faults.writes_only);
        assert_eq!(
            c.faults.weights,
            [(FaultKind::Latency, 1)].into_iter().collect()
        );
        assert_eq!(
            (c.faults.latency_min_ms, c.faults.latency_max_ms),
            (50, 400)
        );
        assert_eq!(c.shape, Shape::realistic());
    }

    #[test]
    fn shape_options_by_name_and_value_on_top_of_the_profile() {
        let c = config(&[
            "--shape",
            "lean_meta,utc_offset_minutes=-300",
            "--shape",
            "clock_skew_secs=-60,comment_bumps_ticket=false",
        ])
        .expect("known options parse");
        assert_eq!(
            c.shape,
            Shape {
                lean_meta: true,
                utc_offset_minutes: Some(-300),
                clock_skew_secs: -60,
                comment_bumps_ticket: false,
                ..Shape::default()
            }
        );
        let c = config(&[
            "--profile",
            "realistic",
            "--shape",
            "since_inclusive=false,ticket_page_size=none",
        ])
        .expect("overrides parse");
        assert_eq!(
            c.shape,
            Shape {
                since_inclusive: false,
                ticket_page_size: None,
                ..Shape::realistic()
            }
        );
    }

    #[test]
    fn an_unknown_or_bad_shape_option_is_a_usage_error() {
        let err = config(&["--shape", "lean_meta,gremlins"]).expect_err("unknown refused");
        assert!(
            err.contains("\"gremlins\"") && err.contains("since_inclusive"),
            "{err}"
        );
        assert!(config(&["--shape", "utc_offset_minutes"]).is_err());
        assert!(config(&["--shape", "utc_offset_minutes=-18000"]).is_err());
        assert!(config(&["--shape", "ticket_page_size=0"]).is_err());
    }

    #[test]
    fn explicit_flags_override_the_profile() {
        let c = config(&[
            "--profile",
            "realistic",
            "--fault-rate",
            "0.5",
            "--fault-kinds",
            "hang_then_commit,commit_then_504",
            "--latency-ms",
            "1..2",
            "--hang-commit-ms",
            "2500",
        ])
        .expect("flags parse");
        assert_eq!(c.faults.rate, 0.5);
        assert_eq!(
            c.faults.weights,
            [
                (FaultKind::HangThenCommit, 1),
                (FaultKind::CommitThen504, 1)
            ]
            .into_iter()
            .collect()
        );
        assert_eq!((c.faults.latency_min_ms, c.faults.latency_max_ms), (1, 2));
        assert_eq!(c.faults.hang_commit_ms, 2500);
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(config(&["--fault-rate", "2"]).is_err());
        assert!(config(&["--latency-ms", "9..1"]).is_err());
        assert!(config(&["--profile", "chaotic"]).is_err());
    }

    #[test]
    fn help_documents_quirks_and_the_realistic_profile() {
        let help = <Args as clap::CommandFactory>::command()
            .render_long_help()
            .to_string();
        for needle in [
            "--quirks",
            "--profile",
            "--hang-commit-ms",
            "realistic",
            "5%",
        ] {
            assert!(help.contains(needle), "{needle} missing from:\n{help}");
        }
        assert!(Quirks::NAMES.iter().all(|n| help.contains(n)));
        assert!(help.contains("--shape"));
        assert!(
            Shape::NAMES.iter().all(|n| help.contains(n)),
            "every shape option documented:\n{help}"
        );
    }
}
