//! Real daemon processes killed (SIGKILL) at the worst moments: nothing is
//! lost and nothing is sent twice on restart.

use std::time::Duration;

use serde_json::Value;
use syncro_e2e::{ticket_of, wait_for, TestEnv};
use syncro_sim::{FaultConfig, FaultKind, QueuedFault, SimConfig, SimHandle};
use syncro_store::outbox::{
    Command, CommentWrite, InvoiceWrite, LineItemWrite, NewItem, State, TicketFields, TicketWrite,
};

const KEY: &str = "test-key";

async fn sim(latency: bool) -> SimHandle {
    let faults = if latency {
        FaultConfig {
            rate: 1.0,
            weights: [(FaultKind::Latency, 1)].into_iter().collect(),
            latency_min_ms: 100,
            latency_max_ms: 250,
            ..FaultConfig::default()
        }
    } else {
        FaultConfig::default()
    };
    syncro_sim::spawn(SimConfig {
        tickets: 10,
        customers: 4,
        invoices: 0,
        rate_limit_per_minute: 0,
        faults,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_while_sending_resumes_without_a_duplicate() {
    let sim = sim(false).await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    let t = &sim.dump()["tickets"][0];
    let (id, number) = (t["id"].as_i64().unwrap(), t["number"].as_i64().unwrap());
    // The comment lands at once but its answer takes 20 s: the daemon sits
    // in `sending` while we kill it.
    sim.queue_faults(vec![QueuedFault::new(FaultKind::ApplyThenSlowAnswer)
        .method("POST")
        .path_contains("/comment")
        .delay_ms(20_000)]);
    let mut store = env.store();
    let item = store
        .enqueue(NewItem::on_ticket(
            Command::Comment(CommentWrite::Add {
                subject: "Update".into(),
                body: "Swapped the PSU".into(),
                hidden: false,
                do_not_email: false,
                tech: None,
            }),
            id,
            number,
        ))
        .unwrap();
    let mut daemon = env.start_daemon();
    wait_for("the item to be sending", Duration::from_secs(20), || {
        store.outbox_item(item).unwrap().unwrap().state == State::Sending
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    daemon.kill();
    assert_eq!(
        store.outbox_item(item).unwrap().unwrap().state,
        State::Sending
    );

    env.syncrod_once(&["--quick"]);
    let done = store.outbox_item(item).unwrap().unwrap();
    assert_eq!(done.state, State::Done, "{done:?}");
    let comments = ticket_of(&sim.dump(), id)["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["body"] == "Swapped the PSU")
        .count();
    assert_eq!(comments, 1, "the comment must land exactly once");
    assert_eq!(
        sim.counters()["duplicate_comments"]
            .as_object()
            .map(|o| o.len()),
        Some(0)
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bill_group_survives_a_kill_between_every_pair_of_steps() {
    let sim = sim(true).await;
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    let t = &sim.dump()["tickets"][0];
    let (id, number) = (t["id"].as_i64().unwrap(), t["number"].as_i64().unwrap());
    let lines_before = t["line_items"].as_array().map(Vec::len).unwrap_or(0);
    let mut store = env.store();
    let steps = store
        .enqueue_group(
            "bill",
            vec![
                NewItem::on_ticket(
                    Command::Comment(CommentWrite::Add {
                        subject: "Labor".into(),
                        body: "Cleaned up the mail flow rules".into(),
                        hidden: false,
                        do_not_email: false,
                        tech: None,
                    }),
                    id,
                    number,
                ),
                NewItem::on_ticket(
                    Command::LineItem(LineItemWrite::Add {
                        product_id: Some(9001),
                        name: "Labor - Remote".into(),
                        description: "Cleaned up the mail flow rules".into(),
                        quantity: 0.75,
                        price_retail: 125.0,
                    }),
                    id,
                    number,
                ),
                NewItem::on_ticket(Command::Invoice(InvoiceWrite::Create {}), id, number),
                NewItem::on_ticket(
                    Command::Ticket(TicketWrite::Update {
                        fields: TicketFields {
                            status: Some("Invoiced".into()),
                            ..Default::default()
                        },
                    }),
                    id,
                    number,
                ),
            ],
        )
        .unwrap();
    let done = |store: &syncro_store::Store| {
        steps
            .iter()
            .filter(|s| store.outbox_item(**s).unwrap().unwrap().state == State::Done)
            .count()
    };
    let mut kills = 0;
    for k in 1..=steps.len() {
        let mut daemon = env.start_daemon();
        wait_for("the next step", Duration::from_secs(30), || {
            done(&store) >= k
        })
        .await;
        daemon.kill();
        kills += 1;
        if done(&store) == steps.len() {
            break;
        }
    }
    assert!(kills >= 2);
    env.syncrod_once(&["--quick"]);
    for s in &steps {
        let item = store.outbox_item(*s).unwrap().unwrap();
        assert_eq!(item.state, State::Done, "{item:?}");
    }
    let dump = sim.dump();
    let t = ticket_of(&dump, id);
    assert_eq!(t["status"], "Invoiced");
    let comments = t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["body"] == "Cleaned up the mail flow rules")
        .count();
    assert_eq!(comments, 1);
    let lines = t["line_items"].as_array().unwrap();
    assert_eq!(lines.len(), lines_before + 1);
    let invoices: Vec<&Value> = dump["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["ticket_id"].as_i64() == Some(id))
        .collect();
    assert_eq!(invoices.len(), 1, "exactly one invoice");
    let held = invoices[0]["line_items"].as_array().unwrap();
    assert!(
        held.iter().any(|l| l["product_id"].as_i64() == Some(9001)
            && l["quantity"]
                .as_str()
                .and_then(|q| q.parse::<f64>().ok())
                .or(l["quantity"].as_f64())
                == Some(0.75)),
        "{held:?}"
    );
    sim.shutdown().await;
}
