//! A started simulator plus a client that knows its key.

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use syncro_sim::{SimConfig, SimHandle};

pub const KEY: &str = "test-key";

pub struct Sim {
    pub handle: SimHandle,
    pub client: Client,
}

pub async fn start() -> Sim {
    start_with(SimConfig::default()).await
}

pub async fn start_with(config: SimConfig) -> Sim {
    let handle = syncro_sim::spawn(config).await.expect("simulator starts");
    let client = Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("client builds");
    Sim { handle, client }
}

/// Status and body; a body that is not JSON comes back as a JSON string.
pub async fn answer(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("body reads");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

impl Sim {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .query(&[("api_key", KEY)])
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        answer(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None).await
    }

    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.handle.admin_url()));
        if let Some(b) = body {
            req = req.json(&b);
        }
        answer(req.send().await.expect("admin request sent")).await
    }

    /// The first generated ticket that is still open, else the first one.
    pub fn some_ticket(&self) -> Value {
        let dump = self.handle.dump();
        let tickets = dump["tickets"].as_array().cloned().unwrap_or_default();
        tickets
            .iter()
            .find(|t| syncro_sim::OPEN_STATUSES.contains(&t["status"].as_str().unwrap_or("")))
            .or(tickets.first())
            .cloned()
            .expect("generated tickets")
    }

    pub fn ticket_in_dump(&self, id: u64) -> Value {
        let dump = self.handle.dump();
        dump["tickets"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["id"] == id))
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// "2019-11-04T08:59:31.034Z"
pub fn is_api_timestamp(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    b.len() == 24
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && b[23] == b'Z'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

pub fn id_of(v: &Value) -> u64 {
    v["id"].as_u64().expect("an id")
}

/// Polls `done` every 20 ms until it holds or `limit` has passed; whether
/// it held. For effects that land late (a server that commits after its
/// client gave up) without sleeping longer than needed.
pub async fn wait_until(limit: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
