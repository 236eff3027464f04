//! The shape of the simulator's answers: how the real service formats what
//! it says (SYNCRO_API.md, "The shape of real answers"), switched on per run
//! (`SimConfig::shape`, `--shape`, `--profile realistic`) or live
//! (PUT /admin/shape, `SimHandle::set_shape`).
//!
//! Quirks change what is *stored*; shape options change how the same data is
//! *answered* (time zones, paging, `meta`, number and error formats) and a
//! few server behaviours a sync engine leans on (what `since_updated_at`
//! does at equality, whether a comment bumps its ticket, the server's
//! clock). Everything off (`Shape::default()`) is the simulator's original
//! tidy rendering, byte for byte; `Shape::realistic()` is the pessimistic
//! set a client must cope with.
//!
//! Every timestamp the API renders goes through `Shape::ts` (or `ts_opt`,
//! `date`), every error body through `error_body`: nowhere else knows about
//! offsets or error formats.
//!
//! Below `model` (whose records render through it) and `state`; it builds
//! on `values` (the UTC rendering, money), `errors` (the problems it
//! renders) and `params` (booleans as `--shape` reads them).

use chrono::{FixedOffset, NaiveTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::errors::Problem;
use crate::params;
use crate::values::{self, Ts};

/// Largest |`utc_offset_minutes`|: real offsets run from -12:00 to +14:00;
/// anything under a day renders.
const MAX_OFFSET_MINUTES: i32 = 24 * 60 - 1;
/// Largest |`clock_skew_secs`|: a year either way.
const MAX_SKEW_SECS: i64 = 366 * 24 * 3600;
/// Largest fixed page size.
const MAX_PAGE_SIZE: usize = 1000;

/// How answers are shaped. JSON field names are the names `--shape` takes.
/// Fields left out of a JSON body take their defaults (today's behaviour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Shape {
    /// Render every API timestamp in this fixed offset from UTC, with
    /// milliseconds ("2025-04-11T10:00:53.119-05:00") instead of `Z`;
    /// invoice `date`/`due_date` become local midnight. Inputs accept any
    /// offset either way. `None`: UTC with `Z`.
    pub utc_offset_minutes: Option<i32>,
    /// GET /tickets serves this many a page whatever `per_page` says.
    pub ticket_page_size: Option<usize>,
    /// GET /invoices serves this many a page whatever `per_page` says.
    pub invoice_page_size: Option<usize>,
    /// `meta` of GET /tickets and GET /invoices has only `total_pages` and
    /// `page` (customers, comments, timers, products keep all four keys).
    pub lean_meta: bool,
    /// Ticket line items' `price_cost`/`price_retail` as decimal strings
    /// ("125.0"); products keep numbers (`price_retail: 0.01`), so the same
    /// field name comes in both forms.
    pub string_decimals: bool,
    /// 404/422 bodies of each endpoint in one of the four shapes the live
    /// service answers (see `ErrorShape::for_endpoint`).
    pub error_shapes: bool,
    /// 429 answers carry no `Retry-After` header.
    pub no_retry_after: bool,
    /// `since_updated_at` is `>=` (the record stamped exactly at the cursor
    /// comes back again) instead of `>`.
    pub since_inclusive: bool,
    /// A new comment bumps its ticket's `updated_at` (on by default). Off:
    /// a comment, whether from the API or the web UI (/admin/mutate), leaves
    /// the ticket's `updated_at` alone, so `since_updated_at` misses it.
    pub comment_bumps_ticket: bool,
    /// GET /customers ignores `sort` and answers in id order.
    pub ignore_customer_sort: bool,
    /// The server's clock runs this many seconds ahead of the real one (or
    /// behind, if negative): every stamp it hands out from now on, and the
    /// generated history if set at start.
    pub clock_skew_secs: i64,
    /// Pages of GET /tickets and GET /invoices carry a `null` before their
    /// records: a row no client can read. Off in both profiles (not seen
    /// from the live service); for tests of what a client does with it.
    pub null_list_rows: bool,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            utc_offset_minutes: None,
            ticket_page_size: None,
            invoice_page_size: None,
            lean_meta: false,
            string_decimals: false,
            error_shapes: false,
            no_retry_after: false,
            since_inclusive: false,
            comment_bumps_ticket: true,
            ignore_customer_sort: false,
            clock_skew_secs: 0,
            null_list_rows: false,
        }
    }
}

/// The four error body formats the live service has been seen to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorShape {
    /// `{"success": false, "message": ["Body can't be blank"]}`
    SuccessMessage,
    /// `{"error": "Name can't be blank, Description can't be blank"}`
    Error,
    /// `{"errors": ["Name can't be blank"]}`
    ErrorsList,
    /// `{"errors": {"subject": ["can't be blank"]}}` (attribute-less
    /// problems under "base")
    ErrorsMap,
}

impl ErrorShape {
    /// The fixed format of each endpoint (`endpoint` as `observe::endpoint`
    /// writes it, e.g. "/tickets/{id}/comment"):
    ///
    /// | endpoints | shape |
    /// | --- | --- |
    /// | `/tickets`, `/tickets/{id}` | `ErrorsMap` |
    /// | `/tickets/{id}/comment`, `/tickets/{id}/comments` | `SuccessMessage` |
    /// | `/tickets/{id}/add_line_item`, `remove_line_item`, `update_line_item` | `ErrorsList` |
    /// | `/customers`, `/customers/{id}` | `SuccessMessage` |
    /// | timers, `/ticket_timers`, `/invoices...`, `/products`, `/me` | `Error` |
    pub fn for_endpoint(endpoint: &str) -> ErrorShape {
        let mut segs = endpoint.split('/').filter(|s| !s.is_empty());
        let first = segs.next();
        let _id = segs.next();
        let action = segs.next();
        let deeper = segs.next().is_some();
        match (first, action, deeper) {
            (Some("tickets"), None, _) => ErrorShape::ErrorsMap,
            (Some("tickets"), Some("comment" | "comments"), false) => ErrorShape::SuccessMessage,
            (
                Some("tickets"),
                Some("add_line_item" | "remove_line_item" | "update_line_item"),
                false,
            ) => ErrorShape::ErrorsList,
            (Some("customers"), _, _) => ErrorShape::SuccessMessage,
            _ => ErrorShape::Error,
        }
    }

    /// The body of an error answer in this shape.
    pub fn body(self, problems: &[Problem]) -> Value {
        match self {
            ErrorShape::SuccessMessage => {
                json!({"success": false, "message": Problem::fulls(problems)})
            }
            ErrorShape::Error => json!({"error": Problem::fulls(problems).join(", ")}),
            ErrorShape::ErrorsList => json!({"errors": Problem::fulls(problems)}),
            ErrorShape::ErrorsMap => {
                let mut map = Map::new();
                for p in problems {
                    let list = map
                        .entry(p.attr.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(a) = list {
                        a.push(Value::String(p.message.clone()));
                    }
                }
                json!({"errors": map})
            }
        }
    }
}

impl Shape {
    /// Every option name, as in JSON and on the command line.
    pub const NAMES: [&'static str; 12] = [
        "utc_offset_minutes",
        "ticket_page_size",
        "invoice_page_size",
        "lean_meta",
        "string_decimals",
        "error_shapes",
        "no_retry_after",
        "since_inclusive",
        "comment_bumps_ticket",
        "ignore_customer_sort",
        "clock_skew_secs",
        "null_list_rows",
    ];

    /// The answers as the live service gives them, pessimistic where it is
    /// undocumented: US Eastern (fixed -05:00), 50 tickets / 25 invoices a
    /// page whatever `per_page` says, lean `meta`, string decimals, mixed
    /// error formats, 429s without `Retry-After`, an inclusive
    /// `since_updated_at`, comments that do not bump their ticket, `sort`
    /// ignored on customers. The clock is right (skew 0).
    pub fn realistic() -> Self {
        Shape {
            utc_offset_minutes: Some(-300),
            ticket_page_size: Some(50),
            invoice_page_size: Some(25),
            lean_meta: true,
            string_decimals: true,
            error_shapes: true,
            no_retry_after: true,
            since_inclusive: true,
            comment_bumps_ticket: false,
            ignore_customer_sort: true,
            clock_skew_secs: 0,
            null_list_rows: false,
        }
    }

    /// Refuses values that cannot be rendered or served: an offset of a day
    /// or more, a page size of 0 or over 1000, a skew over a year.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(m) = self.utc_offset_minutes {
            if m.abs() > MAX_OFFSET_MINUTES {
                return Err(format!(
                    "utc_offset_minutes must be within ±{MAX_OFFSET_MINUTES} (minutes, not seconds), got {m}"
                ));
            }
        }
        for (name, size) in [
            ("ticket_page_size", self.ticket_page_size),
            ("invoice_page_size", self.invoice_page_size),
        ] {
            if let Some(n) = size {
                if !(1..=MAX_PAGE_SIZE).contains(&n) {
                    return Err(format!(
                        "{name} must be between 1 and {MAX_PAGE_SIZE}, got {n}"
                    ));
                }
            }
        }
        if self.clock_skew_secs.abs() > MAX_SKEW_SECS {
            return Err(format!(
                "clock_skew_secs must be within ±{MAX_SKEW_SECS}, got {}",
                self.clock_skew_secs
            ));
        }
        Ok(())
    }

    /// Sets one option from its name and textual value: a bool by its name
    /// alone (on) or `name=true|false`; a valued option as `name=value`,
    /// `none` clearing an optional one. Unknown names list the known ones.
    pub fn set(&mut self, name: &str, value: Option<&str>) -> Result<(), String> {
        let name = name.trim();
        let value = value.map(str::trim);
        fn need<'v>(name: &str, v: Option<&'v str>) -> Result<&'v str, String> {
            v.filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{name} needs a value ({name}=...)"))
        }
        fn num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, String> {
            v.parse::<T>()
                .map_err(|_| format!("{name}: {v:?} is not a number"))
        }
        fn opt<T: std::str::FromStr>(name: &str, v: &str) -> Result<Option<T>, String> {
            if v.eq_ignore_ascii_case("none") {
                Ok(None)
            } else {
                num(name, v).map(Some)
            }
        }
        let flag = |v: Option<&str>| match v {
            None => Ok(true),
            Some(v) => params::parse_bool(v)
                .filter(|_| !v.is_empty())
                .ok_or_else(|| format!("{name}: {v:?} is not true or false")),
        };
        match name {
            "utc_offset_minutes" => self.utc_offset_minutes = opt(name, need(name, value)?)?,
            "ticket_page_size" => self.ticket_page_size = opt(name, need(name, value)?)?,
            "invoice_page_size" => self.invoice_page_size = opt(name, need(name, value)?)?,
            "clock_skew_secs" => self.clock_skew_secs = num(name, need(name, value)?)?,
            "lean_meta" => self.lean_meta = flag(value)?,
            "string_decimals" => self.string_decimals = flag(value)?,
            "error_shapes" => self.error_shapes = flag(value)?,
            "no_retry_after" => self.no_retry_after = flag(value)?,
            "since_inclusive" => self.since_inclusive = flag(value)?,
            "comment_bumps_ticket" => self.comment_bumps_ticket = flag(value)?,
            "ignore_customer_sort" => self.ignore_customer_sort = flag(value)?,
            "null_list_rows" => self.null_list_rows = flag(value)?,
            _ => {
                return Err(format!(
                    "unknown shape option {name:?}; known: {}",
                    Shape::NAMES.join(", ")
                ))
            }
        }
        self.validate()
    }

    /// This shape with settings like `["lean_meta", "utc_offset_minutes=-300"]`
    /// applied in order (later wins); empty items (a stray comma) are skipped.
    pub fn with<'a>(mut self, items: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        for item in items.into_iter().filter(|i| !i.trim().is_empty()) {
            match item.split_once('=') {
                Some((name, value)) => self.set(name, Some(value))?,
                None => self.set(item, None)?,
            }
        }
        Ok(self)
    }

    fn offset(&self) -> Option<FixedOffset> {
        self.utc_offset_minutes
            .and_then(|m| FixedOffset::east_opt(m.checked_mul(60)?))
    }

    /// How the API renders a timestamp: "2019-11-04T08:59:31.034Z", or in
    /// the account's offset "2019-11-04T03:59:31.034-05:00".
    pub fn ts(&self, t: &Ts) -> String {
        match self.offset() {
            None => values::ts(t),
            Some(off) => t
                .with_timezone(&off)
                .to_rfc3339_opts(SecondsFormat::Millis, false),
        }
    }

    pub fn ts_opt(&self, t: &Option<Ts>) -> Value {
        match t {
            Some(t) => Value::String(self.ts(t)),
            None => Value::Null,
        }
    }

    /// An invoice `date`/`due_date`: as stored, in UTC; or, with an offset,
    /// local midnight of its day ("2025-04-11T00:00:00.000-05:00"). A value
    /// stored at UTC midnight is a calendar date (generated, or sent as
    /// "2025-04-11") and keeps its day; any other instant (an invoice made
    /// without `date` is dated "now") takes its local day.
    pub fn date(&self, t: &Ts) -> String {
        let Some(off) = self.offset() else {
            return values::ts(t);
        };
        let day = if t.time() == NaiveTime::MIN {
            t.date_naive()
        } else {
            t.with_timezone(&off).date_naive()
        };
        day.and_time(NaiveTime::MIN)
            .and_local_timezone(off)
            .single()
            .map_or_else(
                || self.ts(t),
                |d| d.to_rfc3339_opts(SecondsFormat::Millis, false),
            )
    }

    /// A ticket line item's money field: a number (15.0) or, with
    /// `string_decimals`, a decimal string ("15.0").
    pub fn line_money(&self, cents: i64) -> Value {
        if self.string_decimals {
            Value::String(values::money_string(cents))
        } else {
            values::money_number(cents)
        }
    }

    /// The per-page count a list with a fixed page size serves.
    pub fn fixed_page(size: Option<usize>, asked: usize) -> usize {
        size.filter(|n| *n > 0).unwrap_or(asked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn at(s: &str) -> Ts {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.to_utc())
            .expect("a valid test timestamp")
    }

    fn offset(m: i32) -> Shape {
        Shape {
            utc_offset_minutes: Some(m),
            ..Shape::default()
        }
    }

    #[test]
    fn names_match_the_json_fields() {
        let v = serde_json::to_value(Shape::default()).expect("shape serialises");
        let mut keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        let mut names = Shape::NAMES.to_vec();
        names.sort_unstable();
        assert_eq!(keys, names);
    }

    #[test]
    fn timestamps_render_in_utc_by_default_and_in_the_offset_with_millis() {
        let t = at("2025-04-11T13:00:53.119Z");
        assert_eq!(Shape::default().ts(&t), "2025-04-11T13:00:53.119Z");
        assert_eq!(offset(120).ts(&t), "2025-04-11T15:00:53.119+02:00");
        assert_eq!(offset(-300).ts(&t), "2025-04-11T08:00:53.119-05:00");
        assert_eq!(offset(0).ts(&t), "2025-04-11T13:00:53.119+00:00");
        assert_eq!(offset(330).ts(&t), "2025-04-11T18:30:53.119+05:30");
        // Whole seconds keep their ".000".
        let whole = at("2025-04-11T13:00:53Z");
        assert_eq!(offset(-300).ts(&whole), "2025-04-11T08:00:53.000-05:00");
        // The same instant either way.
        let back = DateTime::parse_from_rfc3339(&offset(-300).ts(&t)).map(|t| t.to_utc());
        assert_eq!(back, Ok(t));
        assert_eq!(offset(-300).ts_opt(&None), Value::Null);
    }

    #[test]
    fn invoice_dates_are_local_midnight() {
        let t = at("2025-04-11T02:30:00Z");
        assert_eq!(Shape::default().date(&t), "2025-04-11T02:30:00.000Z");
        // An instant: 02:30 UTC is still the 10th in New York.
        assert_eq!(offset(-300).date(&t), "2025-04-10T00:00:00.000-05:00");
        assert_eq!(offset(120).date(&t), "2025-04-11T00:00:00.000+02:00");
        // A calendar date (UTC midnight) keeps its day in any offset.
        let d = at("2025-04-11T00:00:00Z");
        assert_eq!(Shape::default().date(&d), "2025-04-11T00:00:00.000Z");
        assert_eq!(offset(-300).date(&d), "2025-04-11T00:00:00.000-05:00");
        assert_eq!(offset(600).date(&d), "2025-04-11T00:00:00.000+10:00");
    }

    #[test]
    fn line_money_is_a_number_or_a_decimal_string() {
        assert_eq!(Shape::default().line_money(12_500), json!(125.0));
        let s = Shape {
            string_decimals: true,
            ..Shape::default()
        };
        assert_eq!(s.line_money(12_500), json!("125.0"));
        assert_eq!(s.line_money(1), json!("0.01"));
        assert_eq!(s.line_money(0), json!("0.0"));
    }

    #[test]
    fn every_endpoint_has_a_fixed_error_shape() {
        use ErrorShape::*;
        for (endpoint, want) in [
            ("/tickets", ErrorsMap),
            ("/tickets/{id}", ErrorsMap),
            ("/tickets/{id}/comment", SuccessMessage),
            ("/tickets/{id}/comments", SuccessMessage),
            ("/tickets/{id}/add_line_item", ErrorsList),
            ("/tickets/{id}/update_line_item", ErrorsList),
            ("/tickets/{id}/remove_line_item", ErrorsList),
            ("/tickets/{id}/timer_entry", Error),
            ("/tickets/{id}/charge_timer_entry", Error),
            ("/ticket_timers", Error),
            ("/customers", SuccessMessage),
            ("/customers/{id}", SuccessMessage),
            ("/invoices", Error),
            ("/invoices/{id}", Error),
            ("/invoices/INV-7", Error),
            ("/products", Error),
            ("/me", Error),
        ] {
            assert_eq!(ErrorShape::for_endpoint(endpoint), want, "{endpoint}");
        }
    }

    #[test]
    fn error_bodies_in_the_four_shapes() {
        let problems = [
            Problem::field("name", "Name", "can't be blank"),
            Problem::field("description", "Description", "can't be blank"),
            Problem::base("Timer entry is still running"),
        ];
        assert_eq!(
            ErrorShape::SuccessMessage.body(&problems[..1]),
            json!({"success": false, "message": ["Name can't be blank"]})
        );
        assert_eq!(
            ErrorShape::Error.body(&problems[..2]),
            json!({"error": "Name can't be blank, Description can't be blank"})
        );
        assert_eq!(
            ErrorShape::ErrorsList.body(&problems),
            json!({"errors": ["Name can't be blank", "Description can't be blank", "Timer entry is still running"]})
        );
        assert_eq!(
            ErrorShape::ErrorsMap.body(&problems),
            json!({"errors": {"name": ["can't be blank"], "description": ["can't be blank"],
                              "base": ["Timer entry is still running"]}})
        );
    }

    #[test]
    fn settings_by_name_and_value() {
        let s = Shape::default()
            .with([
                "lean_meta",
                " utc_offset_minutes=-300",
                "comment_bumps_ticket=false",
                "",
                "ticket_page_size=50",
                "clock_skew_secs=3600",
            ])
            .expect("known settings");
        assert_eq!(
            s,
            Shape {
                lean_meta: true,
                utc_offset_minutes: Some(-300),
                comment_bumps_ticket: false,
                ticket_page_size: Some(50),
                clock_skew_secs: 3600,
                ..Shape::default()
            }
        );
        let cleared = Shape::realistic()
            .with(["utc_offset_minutes=none", "since_inclusive=false"])
            .expect("clearing parses");
        assert_eq!(cleared.utc_offset_minutes, None);
        assert!(!cleared.since_inclusive);

        let err = Shape::default().with(["gremlins"]).expect_err("unknown");
        assert!(
            err.contains("\"gremlins\"") && err.contains("lean_meta"),
            "{err}"
        );
        for bad in [
            "utc_offset_minutes",
            "utc_offset_minutes=east",
            "utc_offset_minutes=18000",
            "ticket_page_size=0",
            "lean_meta=maybe",
            "clock_skew_secs=99999999999",
        ] {
            assert!(Shape::default().with([bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_are_todays_behaviour_and_realistic_is_valid() {
        let d = Shape::default();
        assert!(d.comment_bumps_ticket);
        assert_eq!(d.utc_offset_minutes, None);
        assert_eq!(d.validate(), Ok(()));
        assert_eq!(Shape::realistic().validate(), Ok(()));
        // JSON without a field means its default; unknown fields refused.
        let s: Shape = serde_json::from_str(r#"{"lean_meta": true}"#).expect("parses");
        assert_eq!(
            s,
            Shape {
                lean_meta: true,
                ..Shape::default()
            }
        );
        assert!(serde_json::from_str::<Shape>(r#"{"lean": true}"#).is_err());
    }

    #[test]
    fn fixed_page_sizes_override_per_page() {
        assert_eq!(Shape::fixed_page(Some(50), 100), 50);
        assert_eq!(Shape::fixed_page(None, 100), 100);
        assert_eq!(Shape::fixed_page(Some(0), 10), 10);
    }
}
