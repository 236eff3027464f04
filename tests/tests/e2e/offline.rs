//! Offline: while the server is unreachable, queued writes wait (backing
//! off, no busy loop) and go out in order once it returns.

use std::time::Duration;

use syncro_e2e::{drain_until_settled, TestEnv};
use syncro_sim::{SimConfig, FIRST_TICKET_ID};
use syncro_store::outbox::{Command, CommentWrite, NewItem, State};
use syncrod::Daemon;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_queued_offline_wait_then_go_out_in_order() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = TestEnv::new(
        &format!("http://127.0.0.1:{port}/api/v1"),
        "test-key",
        600_000,
    );
    let daemon = Daemon::open(env.config()).unwrap();
    let mut store = env.store();
    let ticket = FIRST_TICKET_ID as i64;
    let ids: Vec<i64> = (0..3)
        .map(|n| {
            store
                .enqueue(NewItem::on_ticket(
                    Command::Comment(CommentWrite::Add {
                        subject: "Update".into(),
                        body: format!("offline note {n}"),
                        hidden: false,
                        do_not_email: false,
                        tech: None,
                    }),
                    ticket,
                    30000,
                ))
                .unwrap()
        })
        .collect();

    // Nobody is listening: the first item fails to connect and backs off;
    // the others wait behind it (same ticket, queue order).
    drain_until_settled(&daemon, Duration::from_secs(3)).await;
    let first = store.outbox_item(ids[0]).unwrap().unwrap();
    assert_eq!(first.state, State::Queued);
    assert!(
        first.attempts <= 3,
        "busy loop: {} attempts in 3 s",
        first.attempts
    );
    assert!(
        first
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("cannot reach"),
        "{first:?}"
    );
    for id in &ids[1..] {
        assert_eq!(store.outbox_item(*id).unwrap().unwrap().attempts, 0);
    }

    // The server comes back on the same address.
    let sim = syncro_sim::spawn(SimConfig {
        port,
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    drain_until_settled(&daemon, Duration::from_secs(60)).await;
    let mut remote = Vec::new();
    for id in &ids {
        let item = store.outbox_item(*id).unwrap().unwrap();
        assert_eq!(item.state, State::Done, "{item:?}");
        remote.push(item.remote_id.unwrap());
    }
    assert!(
        remote.windows(2).all(|w| w[0] < w[1]),
        "sent out of order: {remote:?}"
    );
    let dump = sim.dump();
    let t = dump["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"].as_i64() == Some(ticket))
        .unwrap();
    let n = t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["body"].as_str().unwrap_or("").starts_with("offline note"))
        .count();
    assert_eq!(n, 3);
    sim.shutdown().await;
}
