//! API key and rate limit.

use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use syncro_sim::SimConfig;

use crate::support::{answer, start, start_with, KEY};

#[tokio::test]
async fn missing_or_wrong_key_is_401_json_bearer_header_works() {
    let sim = start().await;
    let (s, v) = answer(
        sim.client
            .get(sim.url("/tickets"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(v.is_object());
    let (s, _) = answer(
        sim.client
            .get(sim.url("/tickets?api_key=nope"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let resp = sim
        .client
        .get(sim.url("/me"))
        .header(AUTHORIZATION, format!("Bearer {KEY}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_181st_request_in_a_minute_gets_429_with_retry_after() {
    let sim = start().await;
    for i in 0..180 {
        let resp = sim.request(Method::GET, "/me").send().await.expect("sent");
        assert_eq!(resp.status(), StatusCode::OK, "request {}", i + 1);
    }
    let resp = sim.request(Method::GET, "/me").send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry));
    // Admin routes are never limited.
    let (s, _) = sim.admin(Method::GET, "/counters", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sim.handle.counters()["rate_limited"], 1);
}

#[tokio::test]
async fn small_limit_counts_all_endpoints_and_unauthenticated_requests() {
    let sim = start_with(SimConfig {
        rate_limit_per_minute: 3,
        ..SimConfig::default()
    })
    .await;
    let (s, _) = sim.get("/tickets").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = answer(sim.client.get(sim.url("/me")).send().await.expect("sent")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = sim.get("/customers").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = sim.post("/tickets", json!({})).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(v.is_object());

    // Raised at run time on the admin route.
    let (s, v) = sim
        .admin(Method::PUT, "/rate_limit", Some(json!({"per_minute": 10})))
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!({"per_minute": 10})));
    let (s, _) = sim.get("/me").await;
    assert_eq!(s, StatusCode::OK);
    let (_, v): (StatusCode, Value) = sim.admin(Method::GET, "/rate_limit", None).await;
    assert_eq!(v["per_minute"], 10);
}
