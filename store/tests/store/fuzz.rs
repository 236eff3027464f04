//! Property tests: malformed, truncated, null-laden and wrongly-typed API
//! payloads never panic the parsers, and a record that does parse always
//! stores cleanly; one that does not leaves the cache untouched.

use proptest::prelude::*;
use serde_json::{json, Value};
use syncro_store::model::{
    list_items, single, Customer, Invoice, InvoiceWithLines, Ticket, TicketWithChildren,
};
use syncro_store::Store;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,12}".prop_map(Value::String),
        Just(json!("2026-13-45T99:99:99Z")),
        Just(json!("1.5")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_string()),
                    Just("number".to_string()),
                    Just("comments".to_string()),
                    Just("line_items".to_string()),
                    Just("updated_at".to_string()),
                    Just("customer".to_string()),
                    "[a-z_]{1,8}".prop_map(String::from),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn valid_ticket() -> Value {
    json!({
        "id": 1000, "number": 30000, "subject": "Printer offline", "status": "New",
        "customer_id": 3, "customer_business_then_name": "Acme", "updated_at": "2026-01-01T00:00:00Z",
        "comments": [{"id": 1, "subject": "Initial Issue", "body": "It's off", "hidden": false}],
        "line_items": [{"id": 5, "quantity": "1.0", "price_retail": 10.0, "name": "Cable"}],
        "ticket_timers": [{"id": 9, "start_time": "2026-01-01T00:00:00Z", "recorded": false}],
    })
}

/// The same ticket with one field replaced (or removed) by `junk`.
fn damaged(field: usize, junk: Option<Value>) -> Value {
    let mut t = valid_ticket();
    let keys: Vec<String> = t.as_object().unwrap().keys().cloned().collect();
    let key = &keys[field % keys.len()];
    match junk {
        Some(v) => t[key] = v,
        None => {
            t.as_object_mut().unwrap().remove(key);
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn parsers_never_panic_on_arbitrary_json(v in arb_json()) {
        let _ = Ticket::from_json(&v);
        let _ = TicketWithChildren::from_json(&v);
        let _ = TicketWithChildren::from_json(single(&v, "ticket"));
        let _ = Customer::from_json(&v);
        let _ = Invoice::from_json(&v);
        let _ = InvoiceWithLines::from_json(&v);
        let _ = list_items(&v, "tickets");
    }

    #[test]
    fn truncated_bodies_are_errors_not_panics(cut in 0usize..400) {
        let body = json!({"tickets": [valid_ticket(), valid_ticket()], "meta": {"page": 1}}).to_string();
        let cut = cut.min(body.len());
        if let Ok(v) = serde_json::from_str::<Value>(&body[..cut]) {
            let _ = list_items(&v, "tickets");
        }
    }

    #[test]
    fn a_damaged_record_either_stores_cleanly_or_leaves_the_cache_unchanged(
        field in 0usize..20,
        junk in prop::option::of(arb_json()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("c.db")).unwrap();
        // A good neighbour is cached first; the damaged one must not hurt it.
        let mut good = valid_ticket();
        good["id"] = json!(2000);
        good["number"] = json!(31000);
        good["comments"] = json!([{"id": 77, "body": "neighbour"}]);
        good["line_items"] = json!([]);
        good["ticket_timers"] = json!([]);
        store.upsert_ticket_detail(&TicketWithChildren::from_json(&good).unwrap()).unwrap();
        let before = store.ticket_ids().unwrap();
        match TicketWithChildren::from_json(&damaged(field, junk)) {
            Ok(d) => {
                // Anything that parses must store (ids may collide with the
                // neighbour's children; the upsert still must not fail).
                store.upsert_ticket_detail(&d).unwrap();
                prop_assert!(store.ticket_by_id(d.ticket.id).unwrap().is_some());
            }
            Err(_) => prop_assert_eq!(store.ticket_ids().unwrap(), before),
        }
        prop_assert!(store.ticket_by_number(31000).unwrap().is_some() || store.ticket_ids().unwrap().len() == 1);
    }
}
