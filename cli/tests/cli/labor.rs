//! `syncro labor` on the fixture cache with a product catalogue as syncrod
//! mirrors it: a mapping that is fine, each kind of wrong product id, a
//! catalogue never mirrored, and the warning a bill gives for a product the
//! cache knows to be unknown or retired.

use serde_json::{json, Value};
use syncro_store::model::Product;
use syncro_store::SyncState;

use crate::fixture::*;

/// The catalogue as syncrod would have listed it.
fn catalogue() -> Vec<Value> {
    vec![
        json!({"id": 9001, "name": "Labor - Remote", "price_retail": 125.0, "product_category": "Labor", "disabled": false}),
        json!({"id": 9002, "name": "Labor - Onsite", "price_retail": "150.0", "product_category": "Labor"}),
        json!({"id": 9003, "name": "Labor - Emergency", "price_retail": 225, "product_category": "Labor"}),
        json!({"id": 9007, "name": "Labor - Website (old)", "price_retail": 110.0, "product_category": "Labor", "disabled": true}),
        json!({"id": 9101, "name": "Microsoft 365 Business Standard", "price_retail": 15.0, "product_category": "Licensing"}),
        json!({"id": 9102, "name": "Misc", "price_retail": null, "product_category": null}),
    ]
}

/// Stores `products` and records a complete listing at `listed_at`.
fn mirror(fx: &Fx, products: &[Value], listed_at: &str) {
    let mut store = fx.store();
    let rows: Vec<Product> = products
        .iter()
        .map(|p| Product::from_json(p).unwrap())
        .collect();
    store.upsert_products(&rows).unwrap();
    store
        .save_sync_state(&SyncState {
            resource: "products".into(),
            last_success_at: Some(listed_at.into()),
            rows_synced: rows.len() as i64,
            ..Default::default()
        })
        .unwrap();
}

/// A config whose labor types hit every check.
const PROBLEM_CONFIG: &str = r#"
tech = "Jane Tech"

[labor.remote]
product_id = 9001
rate = 125.0

[labor.website]
product_id = 9007
rate = 110.0

[labor.project]
product_id = 4242
rate = 140.0

[labor.licence]
product_id = 9101
rate = 15.0

[labor.misc]
product_id = 9102
rate = 50.0
"#;

fn problem_fixture() -> Fx {
    let fx = Fx::with_config(PROBLEM_CONFIG);
    seed(&mut fx.store());
    mirror(&fx, &catalogue(), "2026-03-10T11:30:00.000Z");
    fx.beat("2026-03-10T11:59:30.000Z");
    fx
}

/// `check` of each labor type, by name.
fn checks(v: &Value) -> Vec<(String, String)> {
    v["labor_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["labor"].as_str().unwrap().to_string(),
                t["check"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn labor_shows_each_type_with_its_cached_product() {
    let fx = Fx::new();
    mirror(&fx, &catalogue(), "2026-03-10T11:30:00.000Z");
    fx.beat("2026-03-10T11:59:30.000Z");
    let out = fx.run(&["labor"]);
    assert_snapshot!("labor_ok", fx.show(&out));
    assert_eq!(code(&out), 0);

    let out = fx.run(&["labor", "--json"]);
    assert_eq!(code(&out), 0);
    let v = json_out(&out);
    assert_eq!(checks(&v), pairs(&[("onsite", "ok"), ("remote", "ok")]));
    let onsite = &v["labor_types"][0];
    assert_eq!(
        (
            &onsite["product_id"],
            &onsite["rate"],
            &onsite["line_name"],
            &onsite["product"]["name"],
            &onsite["product"]["price_retail_cents"],
            &onsite["problem"]
        ),
        (
            &json!(9002),
            &json!(150.0),
            &json!("Onsite Labor"),
            &json!("Labor - Onsite"),
            &json!(15000),
            &Value::Null
        )
    );
    assert_eq!(v["labor_types"][1]["line_name"], "Labor - Remote");
    // Retired, non-labor and used products are no candidates.
    let unused: Vec<i64> = v["unused_labor_products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(unused, [9003]);
    assert_eq!(
        (
            &v["problems"],
            &v["products_mirrored"],
            &v["products_cached"]
        ),
        (&json!(0), &json!(true), &json!(6))
    );
    // Listed half an hour ago: fresh for a catalogue listed hourly.
    assert_eq!(
        (
            &v["as_of"],
            &v["age_secs"],
            &v["stale"],
            &v["daemon_running"]
        ),
        (
            &json!("2026-03-10T11:30:00.000Z"),
            &json!(1800),
            &json!(false),
            &json!(true)
        )
    );
    let status = json_out(&fx.run(&["status", "--json"]));
    let products = status["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "products")
        .cloned()
        .expect("products in status");
    assert_eq!(products["stale"], false, "{products}");
}

#[test]
fn labor_flags_unknown_retired_and_non_labor_products_and_exits_1() {
    let fx = problem_fixture();
    let out = fx.run(&["labor"]);
    assert_snapshot!("labor_problems", fx.show(&out));
    assert_eq!(code(&out), 1);

    let out = fx.run(&["labor", "--json"]);
    assert_eq!(code(&out), 1, "scripts can check");
    let v = json_out(&out);
    assert_eq!(
        checks(&v),
        pairs(&[
            ("licence", "not_labor"),
            ("misc", "not_labor"),
            ("project", "unknown_product"),
            ("remote", "ok"),
            ("website", "retired"),
        ])
    );
    let problem = |i: usize| v["labor_types"][i]["problem"].as_str().unwrap().to_string();
    assert_eq!(problem(0), "not a labor product (category Licensing)");
    assert_eq!(problem(1), "not a labor product (no category)");
    assert_eq!(
        problem(2),
        "unknown product id: not in the cache of 6 products"
    );
    assert_eq!(problem(4), "retired: the product is disabled in Syncro");
    assert_eq!(v["labor_types"][2]["product"], Value::Null);
    assert_eq!(v["problems"], 2);
}

#[test]
fn labor_before_the_products_were_ever_mirrored_checks_nothing() {
    let fx = Fx::new();
    fx.beat("2026-03-10T11:59:30.000Z");
    let out = fx.run(&["labor"]);
    assert_snapshot!("labor_never_mirrored", fx.show(&out));
    assert_eq!(code(&out), 0);
    let v = json_out(&fx.run(&["labor", "--json"]));
    assert_eq!(
        checks(&v),
        pairs(&[("onsite", "unchecked"), ("remote", "unchecked")])
    );
    assert_eq!(
        (
            &v["products_mirrored"],
            &v["as_of"],
            &v["stale"],
            &v["problems"]
        ),
        (&json!(false), &Value::Null, &json!(true), &json!(0))
    );
}

#[test]
fn labor_calls_an_old_catalogue_stale_past_an_hour_and_the_limit() {
    let fx = Fx::new();
    mirror(&fx, &catalogue(), "2026-03-10T10:00:00.000Z");
    fx.beat("2026-03-10T11:59:30.000Z");
    let out = fx.run(&["labor"]);
    assert_eq!(
        stderr(&out),
        "as of 2 h ago (older than 65 min: run `syncro sync` or check `syncro status`)\n"
    );
    let v = json_out(&fx.run(&["labor", "--json"]));
    assert_eq!((&v["age_secs"], &v["stale"]), (&json!(7200), &json!(true)));
}

#[test]
fn labor_without_labor_types_lists_the_candidates() {
    let fx = Fx::with_config("tech = \"Jane Tech\"\n");
    seed(&mut fx.store());
    mirror(&fx, &catalogue(), "2026-03-10T11:30:00.000Z");
    let out = fx.run(&["labor"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("no labor types configured: add e.g. [labor.remote]"),
        "{}",
        fx.show(&out)
    );
    let text = stdout(&out);
    for name in ["Labor - Remote", "Labor - Onsite", "Labor - Emergency"] {
        assert!(text.contains(name), "{text}");
    }
    assert!(!text.contains("Website (old)"), "{text}");
}

#[test]
fn bill_warns_about_a_product_the_cache_knows_is_unknown_or_retired() {
    let fx = problem_fixture();
    let bill = |labor: &str| {
        fx.run(&[
            "bill",
            "32164",
            "--minutes",
            "30",
            "--labor",
            labor,
            "--yes",
        ])
    };
    let out = bill("website");
    assert_eq!(code(&out), 0, "a warning, not a refusal: {}", fx.show(&out));
    assert!(
        stderr(&out).contains(
            "warning: labor type website bills product 9007: retired: the product is disabled in Syncro; check its product_id (`syncro labor`)"
        ),
        "{}",
        fx.show(&out)
    );
    let out = bill("project");
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains(
            "warning: labor type project bills product 4242: unknown product id: not in the cache of 6 products"
        ),
        "{}",
        fx.show(&out)
    );
    // Fine or merely odd: no such warning.
    for labor in ["remote", "licence"] {
        let out = bill(labor);
        assert_eq!(code(&out), 0);
        assert!(!stderr(&out).contains("bills product"), "{}", fx.show(&out));
    }
    assert_eq!(fx.outbox().len(), 4 * 3);
}
