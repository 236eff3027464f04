//! /customers, /products, /me.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{id_of, start};

#[tokio::test]
async fn disabled_customers_hidden_unless_included() {
    let sim = start().await;
    let dump = sim.handle.dump();
    let all = dump["customers"].as_array().cloned().unwrap_or_default();
    let disabled: Vec<u64> = all
        .iter()
        .filter(|c| c["disabled"] == true)
        .map(id_of)
        .collect();
    let target = match disabled.first() {
        Some(id) => *id,
        None => {
            let id = id_of(&all[0]);
            let (s, _) = sim
                .admin(
                    reqwest::Method::POST,
                    "/mutate",
                    Some(
                        json!({"action": "edit_customer", "id": id, "fields": {"disabled": true}}),
                    ),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
            id
        }
    };
    let (_, v) = sim.get("/customers?per_page=100").await;
    let shown: Vec<u64> = v["customers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .collect();
    assert!(!shown.contains(&target));
    let (_, v) = sim
        .get("/customers?per_page=100&include_disabled=true")
        .await;
    let shown: Vec<u64> = v["customers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .collect();
    assert!(shown.contains(&target));
    let (s, c) = sim.get(&format!("/customers/{target}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["customer"]["disabled"], true);
}

#[tokio::test]
async fn sort_query_paging_and_create() {
    let sim = start().await;
    let (_, v) = sim
        .get("/customers?sort=updated_at%20DESC&per_page=100&include_disabled=1")
        .await;
    let times: Vec<&str> = v["customers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["updated_at"].as_str())
        .collect();
    assert_eq!(times.len(), 20);
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    let (_, p) = sim
        .get("/customers?per_page=5&page=2&include_disabled=true")
        .await;
    assert_eq!(p["customers"].as_array().map(Vec::len), Some(5));
    assert_eq!(p["meta"]["total_entries"], 20);
    assert_eq!(p["meta"]["total_pages"], 4);

    let (s, c) = sim
        .post("/customers", json!({"business_name": "Zephyr Test Widgets", "firstname": "Ann", "lastname": "Lee", "email": "ann@zephyr.example"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["customer"]["business_then_name"], "Zephyr Test Widgets");
    let (_, q) = sim.get("/customers?query=zephyr").await;
    assert_eq!(q["meta"]["total_entries"], 1);
    assert_eq!(q["customers"][0]["id"], c["customer"]["id"]);
    let (s, e) = sim
        .post(
            "/customers",
            json!({"firstname": "Bo", "email": "not an email"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["message"][0], "Email is not an email");
}

#[tokio::test]
async fn products_include_labor_and_me_answers() {
    let sim = start().await;
    let (s, v) = sim.get("/products?per_page=100").await;
    assert_eq!(s, StatusCode::OK);
    let products = v["products"].as_array().cloned().unwrap_or_default();
    let price = |id: u64| {
        products
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| (p["name"].clone(), p["price_retail"].clone()))
    };
    assert_eq!(price(9001), Some((json!("Labor - Remote"), json!(125.0))));
    assert_eq!(
        price(9003),
        Some((json!("Labor - Emergency"), json!(225.0)))
    );
    assert_eq!(price(9005), Some((json!("Labor - Internal"), json!(0.0))));
    assert!(v["meta"]["total_entries"].as_u64() >= Some(7));
    let (s, me) = sim.get("/me").await;
    assert_eq!(s, StatusCode::OK);
    assert!(me["user_id"].is_u64() && me["user_name"].is_string());
}

#[tokio::test]
async fn a_product_retired_or_added_in_the_web_ui_shows_in_the_list() {
    let sim = start().await;
    let (s, one) = sim.get("/products/9002").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (&one["product"]["name"], &one["product"]["disabled"]),
        (&json!("Labor - Onsite"), &json!(false))
    );
    let (s, _) = sim.get("/products/4242").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let mutate = |body: serde_json::Value| sim.admin(Method::POST, "/mutate", Some(body));
    let (s, v) =
        mutate(json!({"action": "edit_product", "id": 9002, "fields": {"disabled": true}})).await;
    assert_eq!(
        (s, &v["product"]["disabled"]),
        (StatusCode::OK, &json!(true))
    );
    let (s, v) = mutate(
        json!({"action": "create_product", "name": "Labor - After Hours",
                               "product_category": "Labor", "price_retail": "180"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let new_id = id_of(&v["product"]);
    assert_eq!(v["product"]["price_retail"], json!(180.0));
    let (s, _) = mutate(json!({"action": "delete_product", "id": 9108})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = mutate(json!({"action": "create_product"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, v) = sim.get("/products?per_page=100").await;
    let products = v["products"].as_array().cloned().unwrap_or_default();
    let find = |id: u64| products.iter().find(|p| p["id"] == id);
    assert_eq!(find(9002).map(|p| &p["disabled"]), Some(&json!(true)));
    assert_eq!(
        find(new_id).map(|p| &p["product_category"]),
        Some(&json!("Labor"))
    );
    assert!(find(9108).is_none());
}
