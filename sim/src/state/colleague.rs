//! A colleague's look-alike of an API write (the `colleague_twin` fault).
//!
//! Offices have colleagues, the web UI and RMM alerts writing the same
//! things at the same time. A client that finds "its" comment by matching
//! what it sent must not be fooled by someone else's: so this applies, in
//! place of the client's request, the same write by another technician,
//! through the same create functions as the API (quirks, stamps and
//! duplicate counting included), only authored by the colleague.

use serde_json::{json, Value};

use super::State;
use crate::errors::Reject;
use crate::model::User;
use crate::params::Body;

/// What a look-alike ticket shares with the posted one.
const TICKET_KEYS: &[&str] = &[
    "customer_id",
    "subject",
    "problem_type",
    "priority",
    "status",
];
/// What a look-alike comment (alone, or initial in a ticket) shares.
const COMMENT_KEYS: &[&str] = &["subject", "body", "hidden"];
/// What a look-alike timer shares; `duration_minutes` so that a timer
/// posted without `end_at` ends at the same time too.
const TIMER_KEYS: &[&str] = &[
    "start_at",
    "end_at",
    "duration_minutes",
    "notes",
    "product_id",
    "billable",
];
/// What a look-alike line item shares.
const LINE_ITEM_KEYS: &[&str] = &[
    "name",
    "description",
    "quantity",
    "price_retail",
    "product_id",
];

/// The writes that have a look-alike, with their ticket id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Twin {
    Ticket,
    Comment(u64),
    Timer(u64),
    LineItem(u64),
}

impl Twin {
    /// Which look-alike `method path` gets, if any: a POST to one of the
    /// four create routes, spelled exactly as the router wants it (the
    /// `/api/v1` prefix optional).
    fn of(method: &str, path: &str) -> Option<Twin> {
        if !method.eq_ignore_ascii_case("POST") {
            return None;
        }
        let rest = path.strip_prefix("/api/v1").unwrap_or(path);
        let segments: Vec<&str> = rest.strip_prefix('/')?.split('/').collect();
        // As the handlers' `parse_id`: a positive integer or nothing.
        let id = |s: &str| s.parse::<u64>().ok().filter(|id| *id > 0);
        match segments.as_slice() {
            ["tickets"] => Some(Twin::Ticket),
            ["tickets", t, "comment"] => id(t).map(Twin::Comment),
            ["tickets", t, "timer_entry"] => id(t).map(Twin::Timer),
            ["tickets", t, "add_line_item"] => id(t).map(Twin::LineItem),
            _ => None,
        }
    }
}

/// `body`'s values for `keys`, those it has.
fn pick(body: &Body, keys: &[&str]) -> Body {
    keys.iter()
        .filter_map(|k| body.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

/// The look-alike of a POST /tickets body: the same ticket fields and
/// initial comments, assigned to `colleague`.
fn ticket_twin(body: &Body, colleague: u64) -> Body {
    let mut twin = pick(body, TICKET_KEYS);
    if let Some(Value::Array(items)) = body.get("comments_attributes") {
        let comments: Vec<Value> = items
            .iter()
            .filter_map(Value::as_object)
            .map(|c| Value::Object(pick(c, COMMENT_KEYS)))
            .collect();
        twin.insert("comments_attributes".into(), Value::Array(comments));
    }
    twin.insert("user_id".into(), json!(colleague));
    twin
}

impl State {
    /// The colleague who writes look-alikes: the first technician who is
    /// not the API key's user (Marcus Lee, id 2, in generated data). A shop
    /// with no such user gets one, so a look-alike is never the client's
    /// own; a shop with no user at all first gets the stand-in API user
    /// that GET /me already describes.
    pub(crate) fn colleague_id(&mut self) -> u64 {
        let api = self.api_user_id();
        if let Some(u) = self.users.iter().find(|u| Some(u.id) != api) {
            return u.id;
        }
        let created_at = self.stamp();
        if self.users.is_empty() {
            self.users.push(User {
                id: 1,
                full_name: "API User".into(),
                email: "api@example.com".into(),
                group: "Admins".into(),
                admin: true,
                color: "1e3e96".into(),
                created_at,
            });
        }
        let id = self.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
        self.users.push(User {
            id,
            full_name: "Jordan Blake".into(),
            email: "jordan@simulated-msp.example".into(),
            group: "Technicians".into(),
            admin: false,
            color: "00838f".into(),
            created_at,
        });
        id
    }

    /// Applies a colleague's look-alike of the API request `method path
    /// body` instead of the request itself:
    /// - `POST /tickets`: a ticket with the same customer, subject, problem
    ///   type, priority and status, assigned to the colleague, with the same
    ///   initial comments (subject, body, hidden) by the colleague;
    /// - `POST /tickets/{id}/comment`: the same subject, body and hidden;
    /// - `POST /tickets/{id}/timer_entry`: the same start, end, notes,
    ///   product and billable;
    /// - `POST /tickets/{id}/add_line_item`: the same name, description,
    ///   quantity, retail price and product;
    ///
    /// each authored by the colleague (`user_id`, and `tech` on comments).
    /// `Ok(None)`: the request has no look-alike and nothing was applied;
    /// a refusal (unknown ticket, blank subject, ...) applied nothing
    /// either, as the request itself would have been refused.
    pub(crate) fn apply_as_colleague(
        &mut self,
        method: &str,
        path: &str,
        body: &Body,
    ) -> Result<Option<Value>, Reject> {
        let Some(twin) = Twin::of(method, path) else {
            return Ok(None);
        };
        let colleague = self.colleague_id();
        let by = Some(colleague);
        let out = match twin {
            Twin::Ticket => {
                let twin = ticket_twin(body, colleague);
                self.as_user(by, |s| s.create_ticket(&twin))
            }
            Twin::Comment(id) => {
                let twin = pick(body, COMMENT_KEYS);
                self.as_user(by, |s| s.add_comment(id, &twin))
            }
            Twin::Timer(id) => {
                let twin = pick(body, TIMER_KEYS);
                self.as_user(by, |s| s.add_timer(id, &twin))
            }
            Twin::LineItem(id) => {
                let twin = pick(body, LINE_ITEM_KEYS);
                self.as_user(by, |s| s.add_line_item(id, &twin))
            }
        }?;
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::generate::{generate, FIRST_TICKET_ID};
    use crate::model::Qty;

    fn shop() -> State {
        generate(&SimConfig {
            tickets: 5,
            customers: 3,
            invoices: 0,
            ..SimConfig::default()
        })
    }

    fn obj(v: Value) -> Body {
        match v {
            Value::Object(m) => m,
            _ => Body::new(),
        }
    }

    #[test]
    fn only_the_four_create_posts_have_a_look_alike() {
        let cases = [
            ("POST", "/api/v1/tickets", Some(Twin::Ticket)),
            ("post", "/tickets", Some(Twin::Ticket)),
            ("POST", "/api/v1/tickets/7/comment", Some(Twin::Comment(7))),
            (
                "POST",
                "/api/v1/tickets/7/timer_entry",
                Some(Twin::Timer(7)),
            ),
            (
                "POST",
                "/api/v1/tickets/7/add_line_item",
                Some(Twin::LineItem(7)),
            ),
            ("PUT", "/api/v1/tickets/7", None),
            ("GET", "/api/v1/tickets", None),
            ("POST", "/api/v1/tickets/", None),
            ("POST", "/api/v1/tickets/0/comment", None),
            ("POST", "/api/v1/tickets/x/comment", None),
            ("POST", "/api/v1/tickets/7/charge_timer_entry", None),
            ("POST", "/api/v1/customers", None),
            ("POST", "/api/v1/invoices", None),
        ];
        for (method, path, want) in cases {
            assert_eq!(Twin::of(method, path), want, "{method} {path}");
        }
    }

    #[test]
    fn the_colleague_is_the_first_other_user_or_one_added() {
        let mut s = shop();
        assert_eq!(s.colleague_id(), 2);
        assert_eq!(s.user(2).map(|u| u.full_name.as_str()), Some("Marcus Lee"));
        assert_eq!(s.users.len(), 5, "nobody added");

        s.users.truncate(1);
        let added = s.colleague_id();
        assert_eq!(added, 2);
        assert_eq!(s.colleague_id(), added, "added once");
        assert_eq!(s.users.len(), 2);
        assert_eq!(s.api_user_id(), Some(1), "the API user stays first");

        s.users.clear();
        let added = s.colleague_id();
        assert_eq!((s.api_user_id(), added), (Some(1), 2));
        assert_eq!(s.me()["user_name"], "API User", "as GET /me said before");
    }

    #[test]
    fn a_comment_look_alike_is_the_same_text_by_the_colleague() {
        let mut s = shop();
        let body = obj(
            json!({"subject": "Call", "body": "Rebooted the router", "hidden": true,
            "tech": "Dana Whitfield", "do_not_email": true}),
        );
        let path = format!("/api/v1/tickets/{FIRST_TICKET_ID}/comment");
        let out = s.apply_as_colleague("POST", &path, &body);
        assert!(matches!(out, Ok(Some(_))), "{out:?}");
        let c = s.tickets[&FIRST_TICKET_ID].comments.last().cloned();
        let c = c.expect("a comment");
        assert_eq!(
            (c.subject.as_str(), c.body.as_str()),
            ("Call", "Rebooted the router")
        );
        assert!(c.hidden);
        assert_eq!(
            (c.user_id, c.tech.as_deref()),
            (Some(2), Some("Marcus Lee"))
        );

        // The client's own write, afterwards, is the API user's again.
        let own = s.add_comment(FIRST_TICKET_ID, &body);
        assert_eq!(
            own.map(|v| v["comment"]["user_id"].clone()).ok(),
            Some(json!(1))
        );
    }

    #[test]
    fn a_ticket_look_alike_has_the_same_fields_and_initial_comment_by_the_colleague() {
        let mut s = shop();
        let customer = *s.customers.keys().next().expect("a customer");
        let body = obj(json!({
            "customer_id": customer, "subject": "Printer jam", "problem_type": "Hardware",
            "priority": "2 Normal", "status": "In Progress", "user_id": 1, "number": 777,
            "tag_list": ["x"],
            "comments_attributes": [{"subject": "Initial Issue", "body": "Tray 2 jams",
                                     "hidden": false, "tech": "Dana Whitfield"}],
        }));
        let before = s.ticket_count();
        let out = s.apply_as_colleague("POST", "/api/v1/tickets", &body);
        let t = out.ok().flatten().expect("a ticket")["ticket"].clone();
        assert_eq!(s.ticket_count(), before + 1);
        for key in [
            "customer_id",
            "subject",
            "problem_type",
            "priority",
            "status",
        ] {
            assert_eq!(t[key], body[key], "{key}");
        }
        assert_eq!(t["user_id"], 2, "the colleague's ticket");
        assert_ne!(t["number"], 777, "a number of its own");
        let id = t["id"].as_u64().unwrap_or(0);
        let comments = &s.tickets[&id].comments;
        assert_eq!(comments.len(), 1);
        assert_eq!(
            (
                comments[0].subject.as_str(),
                comments[0].body.as_str(),
                comments[0].hidden
            ),
            ("Initial Issue", "Tray 2 jams", false)
        );
        assert_eq!(
            (comments[0].user_id, comments[0].tech.as_deref()),
            (Some(2), Some("Marcus Lee"))
        );
    }

    #[test]
    fn timer_and_line_item_look_alikes_are_the_colleagues() {
        let mut s = shop();
        let timer = obj(
            json!({"start_at": "2026-01-05T09:00:00Z", "end_at": "2026-01-05T09:30:00Z",
            "notes": "Remote session", "product_id": 9001, "billable": true, "user_id": 1}),
        );
        let path = format!("/tickets/{FIRST_TICKET_ID}/timer_entry");
        assert!(matches!(
            s.apply_as_colleague("POST", &path, &timer),
            Ok(Some(_))
        ));
        let x = s.tickets[&FIRST_TICKET_ID]
            .timers
            .last()
            .cloned()
            .expect("a timer");
        assert_eq!(x.user_id, Some(2));
        assert_eq!(x.span_secs(), Some(30 * 60));
        assert_eq!(
            (x.notes.as_deref(), x.product_id, x.billable),
            (Some("Remote session"), Some(9001), true)
        );

        let line = obj(
            json!({"name": "Labor", "description": "Remote support", "quantity": 0.5,
            "price_retail": 125, "product_id": 9001}),
        );
        let path = format!("/tickets/{FIRST_TICKET_ID}/add_line_item");
        assert!(matches!(
            s.apply_as_colleague("POST", &path, &line),
            Ok(Some(_))
        ));
        let l = s.tickets[&FIRST_TICKET_ID]
            .line_items
            .last()
            .cloned()
            .expect("a line");
        assert_eq!(
            (l.user_id, l.name.as_str(), l.description.as_str()),
            (Some(2), "Labor", "Remote support")
        );
        assert_eq!(
            (l.quantity, l.retail_cents, l.product_id),
            (Qty::from_f64(0.5), 12_500, Some(9001))
        );
    }

    #[test]
    fn other_routes_and_refused_look_alikes_apply_nothing() {
        let mut s = shop();
        let before = s.dump();
        let body = obj(json!({"subject": "x", "body": "y", "status": "Resolved"}));
        let put = format!("/api/v1/tickets/{FIRST_TICKET_ID}");
        assert!(matches!(s.apply_as_colleague("PUT", &put, &body), Ok(None)));
        assert!(matches!(
            s.apply_as_colleague("POST", "/api/v1/customers", &body),
            Ok(None)
        ));
        let missing = s.apply_as_colleague("POST", "/api/v1/tickets/999999/comment", &body);
        assert!(matches!(missing, Err(Reject::NotFound)), "{missing:?}");
        let blank = s.apply_as_colleague("POST", "/api/v1/tickets", &body);
        assert!(matches!(blank, Err(Reject::Invalid(_))), "{blank:?}");
        assert_eq!(s.dump(), before);
        assert_eq!(s.author, None, "the author is reset after a refusal too");
    }
}
