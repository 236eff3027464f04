//! The outbox against the simulator's faults: every kind of write lands
//! exactly once and is verified, whatever the network does.
//!
//! Long (about 850 lines) because the first half is one table, every write
//! kind with its command and the effect it must leave on the server
//! (`command`, `check_effect`), which the fault matrix and the scenarios
//! after it share; cutting it would put the table in one room and its
//! only users in another.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use syncro_e2e::{api, drain_until_settled, mutate, ticket_of, TestEnv};
use syncro_sim::{FaultKind, QueuedFault, SimConfig, SimHandle};
use syncro_store::outbox::{
    Command, CommentWrite, InvoiceWrite, LineItemWrite, NewItem, State, TicketFields, TicketWrite,
    TimerWrite,
};
use syncrod::Daemon;

const KEY: &str = "test-key";

/// The faults a write can meet, each queued for the write's request.
const FAULTS: [FaultKind; 9] = [
    FaultKind::HangThenCommit,
    FaultKind::CommitThen504,
    FaultKind::ApplyThenDrop,
    FaultKind::ResetBeforeApply,
    FaultKind::ApplyThenSlowAnswer,
    FaultKind::ServerError,
    FaultKind::BadGateway,
    FaultKind::TooManyRequests,
    FaultKind::TruncatedJson,
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Comment,
    Update,
    CreateTicket,
    AddLine,
    UpdateLine,
    RemoveLine,
    AddTimer,
    UpdateTimer,
    DeleteTimer,
    ChargeTimer,
    Invoice,
}

const KINDS: [Kind; 11] = [
    Kind::Comment,
    Kind::Update,
    Kind::CreateTicket,
    Kind::AddLine,
    Kind::UpdateLine,
    Kind::RemoveLine,
    Kind::AddTimer,
    Kind::UpdateTimer,
    Kind::DeleteTimer,
    Kind::ChargeTimer,
    Kind::Invoice,
];

async fn sim() -> SimHandle {
    syncro_sim::spawn(SimConfig {
        tickets: 12,
        customers: 5,
        invoices: 0,
        rate_limit_per_minute: 0,
        quirks: syncro_sim::Quirks::realistic(),
        shape: syncro_sim::Shape::realistic(),
        ..SimConfig::default()
    })
    .await
    .expect("sim")
}

fn env_for(sim: &SimHandle) -> TestEnv {
    let env = TestEnv::new(&sim.base_url(), KEY, 600_000);
    // Short timeout: a slow answer is an unknown outcome within a second.
    let text = std::fs::read_to_string(&env.config).unwrap();
    std::fs::write(&env.config, format!("request_timeout_secs = 1\n{text}")).unwrap();
    env
}

/// A fresh ticket with one uninvoiced line item and one uncharged timer.
async fn prepared_ticket(sim: &SimHandle) -> (i64, i64, i64, i64) {
    let dump = sim.dump();
    let t = &dump["tickets"][0];
    let customer = t["customer_id"].as_i64().unwrap();
    let created = api(
        &sim.base_url(),
        KEY,
        Method::POST,
        "/tickets",
        Some(json!({"customer_id": customer, "subject": "Test bed"})),
    )
    .await;
    let id = created["ticket"]["id"].as_i64().unwrap();
    let line = api(
        &sim.base_url(),
        KEY,
        Method::POST,
        &format!("/tickets/{id}/add_line_item"),
        Some(json!({"name": "Cable", "description": "Cat6", "quantity": 2, "price_retail": 12.5})),
    )
    .await;
    let timer = api(&sim.base_url(), KEY, Method::POST, &format!("/tickets/{id}/timer_entry"),
        Some(json!({"start_at": "2026-11-01T10:00:00Z", "end_at": "2026-11-01T10:30:00Z", "notes": "onsite", "product_id": 9002, "billable": true}))).await;
    let number = api(
        &sim.base_url(),
        KEY,
        Method::GET,
        &format!("/tickets/{id}"),
        None,
    )
    .await["ticket"]["number"]
        .as_i64()
        .unwrap();
    (
        id,
        number,
        line["id"].as_i64().unwrap(),
        timer["id"].as_i64().unwrap(),
    )
}

fn command(
    kind: Kind,
    customer: i64,
    line: i64,
    timer: i64,
) -> (Command, &'static str, &'static str) {
    match kind {
        Kind::Comment => (
            Command::Comment(CommentWrite::Add {
                subject: "Update".into(),
                body: "Replaced the toner".into(),
                hidden: false,
                do_not_email: true,
                tech: Some("Tess".into()),
            }),
            "POST",
            "/comment",
        ),
        Kind::Update => (
            Command::Ticket(TicketWrite::Update {
                fields: TicketFields {
                    status: Some("Waiting for Parts".into()),
                    ..Default::default()
                },
            }),
            "PUT",
            "/tickets/",
        ),
        Kind::CreateTicket => (
            Command::Ticket(TicketWrite::Create {
                customer_id: customer,
                subject: "Queued offline".into(),
                problem_type: Some("Network".into()),
                priority: None,
                status: None,
                body: Some("Switch is dead".into()),
            }),
            "POST",
            "/tickets",
        ),
        Kind::AddLine => (
            Command::LineItem(LineItemWrite::Add {
                product_id: Some(9001),
                name: "Labor - Remote".into(),
                description: "Remote labor, 30 min".into(),
                quantity: 0.5,
                price_retail: 125.0,
            }),
            "POST",
            "/add_line_item",
        ),
        Kind::UpdateLine => (
            Command::LineItem(LineItemWrite::Update {
                line_item_id: line,
                quantity: Some(3.0),
                price_retail: None,
                name: None,
                description: None,
            }),
            "PUT",
            "/update_line_item",
        ),
        Kind::RemoveLine => (
            Command::LineItem(LineItemWrite::Remove { line_item_id: line }),
            "POST",
            "/remove_line_item",
        ),
        Kind::AddTimer => (
            Command::Timer(TimerWrite::Add {
                start_at: "2026-11-02T09:00:00Z".into(),
                end_at: "2026-11-02T09:45:00Z".into(),
                notes: Some("remote session".into()),
                billable: true,
                product_id: Some(9001),
            }),
            "POST",
            "/timer_entry",
        ),
        Kind::UpdateTimer => (
            Command::Timer(TimerWrite::Update {
                timer_id: timer,
                start_at: None,
                end_at: Some("2026-11-01T11:00:00Z".into()),
                notes: Some("longer".into()),
                billable: None,
                product_id: None,
            }),
            "PUT",
            "/update_timer_entry",
        ),
        Kind::DeleteTimer => (
            Command::Timer(TimerWrite::Delete { timer_id: timer }),
            "POST",
            "/delete_timer_entry",
        ),
        Kind::ChargeTimer => (
            Command::Timer(TimerWrite::Charge { timer_id: timer }),
            "POST",
            "/charge_timer_entry",
        ),
        Kind::Invoice => (
            Command::Invoice(InvoiceWrite::Create {}),
            "POST",
            "/invoices",
        ),
    }
}

/// Checks the server holds exactly the one intended effect.
fn check_effect(
    kind: Kind,
    dump: &Value,
    ticket: i64,
    line: i64,
    timer: i64,
) -> Result<(), String> {
    let t = ticket_of(dump, ticket);
    let count = |arr: &Value, f: &dyn Fn(&Value) -> bool| {
        arr.as_array()
            .map(|a| a.iter().filter(|x| f(x)).count())
            .unwrap_or(0)
    };
    let n = match kind {
        Kind::Comment => count(&t["comments"], &|c| c["body"] == "Replaced the toner"),
        Kind::Update => usize::from(t["status"] == "Waiting for Parts"),
        Kind::CreateTicket => count(&dump["tickets"], &|x| x["subject"] == "Queued offline"),
        Kind::AddLine => count(&t["line_items"], &|l| l["name"] == "Labor - Remote"),
        Kind::UpdateLine => count(&t["line_items"], &|l| {
            l["id"].as_i64() == Some(line)
                && l["quantity"]
                    .as_str()
                    .and_then(|q| q.parse::<f64>().ok())
                    .or(l["quantity"].as_f64())
                    == Some(3.0)
        }),
        Kind::RemoveLine => {
            usize::from(count(&t["line_items"], &|l| l["id"].as_i64() == Some(line)) == 0)
        }
        Kind::AddTimer => count(&t["ticket_timers"], &|x| x["notes"] == "remote session"),
        Kind::UpdateTimer => count(&t["ticket_timers"], &|x| {
            x["id"].as_i64() == Some(timer) && x["notes"] == "longer"
        }),
        Kind::DeleteTimer => {
            usize::from(count(&t["ticket_timers"], &|x| x["id"].as_i64() == Some(timer)) == 0)
        }
        Kind::ChargeTimer => {
            let charged = count(&t["ticket_timers"], &|x| {
                x["id"].as_i64() == Some(timer) && x["recorded"] == true
            });
            let lines = t["line_items"].as_array().map(Vec::len).unwrap_or(0);
            if lines != 2 {
                return Err(format!(
                    "charging made {} line items, expected exactly one new",
                    lines as i64 - 1
                ));
            }
            charged
        }
        Kind::Invoice => count(&dump["invoices"], &|i| {
            i["ticket_id"].as_i64() == Some(ticket)
        }),
    };
    if n == 1 {
        Ok(())
    } else {
        Err(format!("{kind:?}: expected exactly one effect, found {n}"))
    }
}

/// One write of `kind` meeting `fault` on its request.
async fn scenario(kind: Kind, fault: Option<FaultKind>) -> Result<(), String> {
    let sim = sim().await;
    let env = env_for(&sim);
    let (ticket, number, line, timer) = prepared_ticket(&sim).await;
    let customer = ticket_of(&sim.dump(), ticket)["customer_id"]
        .as_i64()
        .unwrap();
    let (cmd, method, path) = command(kind, customer, line, timer);
    if let Some(fault) = fault {
        let mut q = QueuedFault::new(fault).method(method).path_contains(path);
        // Past the client's 1 s timeout, and past the first look (at the
        // 2 s grace) for a commit that comes late.
        if matches!(
            fault,
            FaultKind::ApplyThenSlowAnswer | FaultKind::HangThenCommit
        ) {
            q = q.delay_ms(2500);
        }
        sim.queue_faults(vec![q]);
    }
    let daemon = Daemon::open(env.config()).map_err(|e| e.to_string())?;
    let mut store = env.store();
    let item = if matches!(kind, Kind::CreateTicket) {
        NewItem {
            command: cmd,
            ticket_id: None,
            ticket_number: None,
            depends_on: None,
            base_updated_at: None,
        }
    } else {
        NewItem::on_ticket(cmd, ticket, number)
    };
    let id = store.enqueue(item).map_err(|e| e.to_string())?;
    drain_until_settled(&daemon, Duration::from_secs(40)).await;
    let item = store.outbox_item(id).unwrap().unwrap();
    let injected =
        fault.is_none_or(|f| sim.counters()["faults"][f.name()].as_u64().unwrap_or(0) >= 1);
    let result = if !injected {
        Err(format!(
            "{kind:?}: the {fault:?} fault never hit the write ({})",
            sim.counters()
        ))
    } else if item.state != State::Done {
        Err(format!(
            "{kind:?} with {fault:?}: item ended {} ({:?})",
            item.state, item.last_error
        ))
    } else {
        check_effect(kind, &sim.dump(), ticket, line, timer)
            .map_err(|e| format!("{kind:?} with {fault:?}: {e}"))
    };
    sim.shutdown().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_lands_exactly_once_under_every_fault() {
    let mut set = tokio::task::JoinSet::new();
    let mut failures = Vec::new();
    let mut cases: Vec<(Kind, Option<FaultKind>)> = Vec::new();
    for kind in KINDS {
        cases.push((kind, None));
        for fault in FAULTS {
            cases.push((kind, Some(fault)));
        }
    }
    let total = cases.len();
    let mut cases = cases.into_iter();
    loop {
        while set.len() < 12 {
            match cases.next() {
                Some((k, f)) => {
                    set.spawn(scenario(k, f));
                }
                None => break,
            }
        }
        match set.join_next().await {
            Some(r) => {
                if let Err(e) = r.expect("scenario panicked") {
                    failures.push(e);
                }
            }
            None => break,
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} scenarios failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_identical_comments_queued_on_purpose_both_land_once() {
    let sim = sim().await;
    let env = env_for(&sim);
    let (ticket, number, _, _) = prepared_ticket(&sim).await;
    sim.queue_faults(vec![
        QueuedFault::new(FaultKind::ApplyThenDrop)
            .method("POST")
            .path_contains("/comment"),
        QueuedFault::new(FaultKind::ApplyThenDrop)
            .method("POST")
            .path_contains("/comment"),
    ]);
    let daemon = Daemon::open(env.config()).unwrap();
    let mut store = env.store();
    let cmd = Command::Comment(CommentWrite::Add {
        subject: "Update".into(),
        body: "Rebooted the NAS".into(),
        hidden: true,
        do_not_email: true,
        tech: None,
    });
    let a = store
        .enqueue(NewItem::on_ticket(cmd.clone(), ticket, number))
        .unwrap();
    let b = store
        .enqueue(NewItem::on_ticket(cmd, ticket, number))
        .unwrap();
    drain_until_settled(&daemon, Duration::from_secs(30)).await;
    let (a, b) = (
        store.outbox_item(a).unwrap().unwrap(),
        store.outbox_item(b).unwrap().unwrap(),
    );
    assert_eq!(
        (a.state, b.state),
        (State::Done, State::Done),
        "{a:?} {b:?}"
    );
    assert_ne!(a.remote_id, b.remote_id);
    let t = ticket_of(&sim.dump(), ticket);
    let n = t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["body"] == "Rebooted the NAS")
        .count();
    assert_eq!(n, 2);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_422_fails_with_the_servers_message_verbatim() {
    let sim = sim().await;
    let env = env_for(&sim);
    let (ticket, number, _, _) = prepared_ticket(&sim).await;
    let daemon = Daemon::open(env.config()).unwrap();
    let mut store = env.store();
    let id = store
        .enqueue(NewItem::on_ticket(
            Command::LineItem(LineItemWrite::Add {
                product_id: None,
                name: String::new(),
                description: String::new(),
                quantity: 1.0,
                price_retail: 5.0,
            }),
            ticket,
            number,
        ))
        .unwrap();
    drain_until_settled(&daemon, Duration::from_secs(10)).await;
    let item = store.outbox_item(id).unwrap().unwrap();
    assert_eq!(item.state, State::Failed);
    let err = item.last_error.unwrap();
    assert!(err.contains("Name can't be blank"), "{err}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_update_is_held_until_released() {
    let sim = sim().await;
    let env = env_for(&sim);
    let (ticket, number, _, _) = prepared_ticket(&sim).await;
    let daemon = Daemon::open(env.config()).unwrap();
    let options = syncrod::OnceOptions {
        deadline: Duration::from_secs(30),
        sweep: false,
        ..Default::default()
    };
    syncrod::once(&daemon, options, None).await.unwrap();
    let mut store = env.store();
    let seen = store.ticket_updated_at(ticket).unwrap();
    let id = store
        .enqueue(NewItem {
            base_updated_at: seen,
            ..NewItem::on_ticket(
                Command::Ticket(TicketWrite::Update {
                    fields: TicketFields {
                        status: Some("Resolved".into()),
                        ..Default::default()
                    },
                }),
                ticket,
                number,
            )
        })
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    mutate(
        &sim.admin_url(),
        json!({"action": "edit_ticket", "id": ticket, "fields": {"status": "Customer Reply"}}),
    )
    .await;
    drain_until_settled(&daemon, Duration::from_secs(10)).await;
    let item = store.outbox_item(id).unwrap().unwrap();
    assert_eq!(item.state, State::Held, "{item:?}");
    assert!(item
        .last_error
        .as_deref()
        .unwrap_or("")
        .contains("changed on the server"));
    assert_eq!(
        ticket_of(&sim.dump(), ticket)["status"],
        "Customer Reply",
        "a held update must not be sent"
    );
    store.outbox_release(id, false).unwrap();
    drain_until_settled(&daemon, Duration::from_secs(10)).await;
    assert_eq!(store.outbox_item(id).unwrap().unwrap().state, State::Done);
    assert_eq!(ticket_of(&sim.dump(), ticket)["status"], "Resolved");
    sim.shutdown().await;
}

/// The conflict check runs before every send of an update, not only the
/// first: a colleague's edit made while our first PUT failed is not
/// overwritten by the resend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_of_an_update_is_held_when_a_colleague_edited_the_ticket_meanwhile() {
    let sim = sim().await;
    let env = env_for(&sim);
    let (ticket, number, _, _) = prepared_ticket(&sim).await;
    let daemon = Daemon::open(env.config()).unwrap();
    let options = syncrod::OnceOptions {
        deadline: Duration::from_secs(30),
        sweep: false,
        ..Default::default()
    };
    syncrod::once(&daemon, options, None).await.unwrap();
    let mut store = env.store();
    let seen = store.ticket_updated_at(ticket).unwrap();
    // The first PUT answers 500 and applies nothing.
    sim.queue_faults(vec![QueuedFault::new(FaultKind::ServerError)
        .method("PUT")
        .path_contains(&format!("/tickets/{ticket}"))]);
    let id = store
        .enqueue(NewItem {
            base_updated_at: seen,
            ..NewItem::on_ticket(
                Command::Ticket(TicketWrite::Update {
                    fields: TicketFields {
                        status: Some("Resolved".into()),
                        ..Default::default()
                    },
                }),
                ticket,
                number,
            )
        })
        .unwrap();
    let token = tokio_util::sync::CancellationToken::new();
    daemon.outbox().drain(&token).await.unwrap();
    let first = store.outbox_item(id).unwrap().unwrap();
    assert_eq!(first.state, State::Queued, "waiting to resend: {first:?}");
    assert!(first.attempts >= 1, "{first:?}");
    assert_eq!(sim.counters()["faults"]["server_error"], 1);
    // While it waits, a colleague answers the customer in the web UI.
    tokio::time::sleep(Duration::from_millis(5)).await;
    mutate(
        &sim.admin_url(),
        json!({"action": "edit_ticket", "id": ticket, "fields": {"status": "Customer Reply"}}),
    )
    .await;
    drain_until_settled(&daemon, Duration::from_secs(60)).await;
    let item = store.outbox_item(id).unwrap().unwrap();
    assert_eq!(item.state, State::Held, "{item:?}");
    assert!(
        item.last_error
            .as_deref()
            .unwrap_or("")
            .contains("changed on the server"),
        "{item:?}"
    );
    assert_eq!(
        ticket_of(&sim.dump(), ticket)["status"],
        "Customer Reply",
        "the resend must not overwrite the colleague's edit"
    );
    sim.shutdown().await;
}

/// While `GET /me` fails, no look can tell our records from a colleague's,
/// so nothing is sent: the read counts as failed and is tried again
/// later; once the server answers it again, the write goes, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_api_user_cannot_be_asked_nothing_is_sent_then_it_goes_once() {
    let sim = sim().await;
    let env = env_for(&sim);
    let (ticket, number, _, _) = prepared_ticket(&sim).await;
    let daemon = Daemon::open(env.config()).unwrap();
    let mut store = env.store();
    sim.queue_faults(vec![QueuedFault::new(FaultKind::ServerError)
        .method("GET")
        .path_matches("/me")
        .persistent()]);
    let body = "Checked the UPS: battery replaced";
    let id = store
        .enqueue(NewItem::on_ticket(
            Command::Comment(CommentWrite::Add {
                subject: "Update".into(),
                body: body.into(),
                hidden: true,
                do_not_email: true,
                tech: None,
            }),
            ticket,
            number,
        ))
        .unwrap();
    let token = tokio_util::sync::CancellationToken::new();
    daemon.outbox().drain(&token).await.unwrap();
    let waiting = store.outbox_item(id).unwrap().unwrap();
    assert_eq!(waiting.state, State::Queued, "{waiting:?}");
    assert!(waiting.next_attempt_at.is_some(), "backed off: {waiting:?}");
    assert!(
        waiting.last_error.as_deref().unwrap_or("").contains("500"),
        "{waiting:?}"
    );
    let posts = sim.counters()["writes"]["POST /tickets/{id}/comment"]
        .as_u64()
        .unwrap_or(0);
    assert_eq!(posts, 0, "nothing sent without the author check");
    sim.clear_faults_queue();
    drain_until_settled(&daemon, Duration::from_secs(60)).await;
    let done = store.outbox_item(id).unwrap().unwrap();
    assert_eq!(done.state, State::Done, "{done:?}");
    let copies = ticket_of(&sim.dump(), ticket)["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["body"]
                .as_str()
                .unwrap_or("")
                .contains("battery replaced")
        })
        .count();
    assert_eq!(copies, 1);
    assert_eq!(
        sim.counters()["writes"]["POST /tickets/{id}/comment"],
        1,
        "the counter read above is the right one"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_on_a_ticket_created_offline_waits_for_it_and_uses_its_id() {
    let sim = sim().await;
    let env = env_for(&sim);
    let customer = sim.dump()["customers"][0]["id"].as_i64().unwrap();
    let daemon = Daemon::open(env.config()).unwrap();
    let mut store = env.store();
    let create = store
        .enqueue(NewItem {
            command: Command::Ticket(TicketWrite::Create {
                customer_id: customer,
                subject: "Made offline".into(),
                problem_type: None,
                priority: None,
                status: None,
                body: None,
            }),
            ticket_id: None,
            ticket_number: None,
            depends_on: None,
            base_updated_at: None,
        })
        .unwrap();
    let comment = store
        .enqueue(NewItem {
            command: Command::Comment(CommentWrite::Add {
                subject: "Update".into(),
                body: "On my way".into(),
                hidden: false,
                do_not_email: false,
                tech: None,
            }),
            ticket_id: None,
            ticket_number: None,
            depends_on: Some(create),
            base_updated_at: None,
        })
        .unwrap();
    drain_until_settled(&daemon, Duration::from_secs(10)).await;
    let c = store.outbox_item(comment).unwrap().unwrap();
    let t = store.outbox_item(create).unwrap().unwrap();
    assert_eq!(
        (t.state, c.state),
        (State::Done, State::Done),
        "{t:?} {c:?}"
    );
    assert_eq!(c.ticket_id, t.remote_id);
    assert!(c.ticket_number.is_some());
    let server = ticket_of(&sim.dump(), t.remote_id.unwrap());
    assert_eq!(server["subject"], "Made offline");
    assert!(server["comments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["body"] == "On my way"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_the_server_ignored_is_a_blocking_difference() {
    let sim = sim().await;
    let env = env_for(&sim);
    let (ticket, number, _, _) = prepared_ticket(&sim).await;
    // The server starts dropping the price field: the write "succeeds" at
    // $0.00, the silent billing trap.
    sim.set_quirks(syncro_sim::Quirks {
        ignore_price_retail: true,
        ..Default::default()
    });
    let daemon = Daemon::open(env.config()).unwrap();
    let mut store = env.store();
    let id = store
        .enqueue(NewItem::on_ticket(
            Command::LineItem(LineItemWrite::Add {
                product_id: Some(9001),
                name: "Labor - Remote".into(),
                description: "VPN fix".into(),
                quantity: 0.5,
                price_retail: 125.0,
            }),
            ticket,
            number,
        ))
        .unwrap();
    drain_until_settled(&daemon, Duration::from_secs(10)).await;
    let item = store.outbox_item(id).unwrap().unwrap();
    // It landed (never to be resent), but not as asked.
    assert_eq!(item.state, State::Differs, "{item:?}");
    assert!(item.remote_id.is_some());
    let err = item.last_error.unwrap();
    assert!(err.contains(r#"is "$0.00", expected "$125.00""#), "{err}");
    assert_eq!(item.result.differences.len(), 1, "{:?}", item.result);
    assert!(item.result.differences[0].blocking);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_bill_step_holds_the_later_ones_and_says_what_landed() {
    let sim = sim().await;
    let env = env_for(&sim);
    let (ticket, number, _, _) = prepared_ticket(&sim).await;
    let status_before = ticket_of(&sim.dump(), ticket)["status"].clone();
    // The line item will "succeed" at $0.00: its verification fails, and
    // the invoice and the status change must then wait for a human.
    sim.set_quirks(syncro_sim::Quirks {
        ignore_price_retail: true,
        ..Default::default()
    });
    let daemon = Daemon::open(env.config()).unwrap();
    let mut store = env.store();
    let on_ticket = |c: Command| NewItem::on_ticket(c, ticket, number);
    let steps = store
        .enqueue_group(
            "bill",
            vec![
                on_ticket(Command::Comment(CommentWrite::Add {
                    subject: "Labor".into(),
                    body: "Rebuilt the VPN profile".into(),
                    hidden: false,
                    do_not_email: false,
                    tech: None,
                })),
                on_ticket(Command::LineItem(LineItemWrite::Add {
                    product_id: Some(9001),
                    name: "Labor - Remote".into(),
                    description: "Rebuilt the VPN profile".into(),
                    quantity: 0.5,
                    price_retail: 125.0,
                })),
                on_ticket(Command::Invoice(InvoiceWrite::Create {})),
                on_ticket(Command::Ticket(TicketWrite::Update {
                    fields: TicketFields {
                        status: Some("Invoiced".into()),
                        ..Default::default()
                    },
                })),
            ],
        )
        .unwrap();
    drain_until_settled(&daemon, Duration::from_secs(10)).await;

    let item = |i: usize| store.outbox_item(steps[i]).unwrap().unwrap();
    assert_eq!(item(0).state, State::Done, "the comment landed");
    assert_eq!(item(1).state, State::Differs, "{:?}", item(1));
    for later in [2, 3] {
        let i = item(later);
        assert_eq!(i.state, State::Held, "{i:?}");
        let why = i.last_error.unwrap_or_default();
        assert!(why.starts_with("waiting: step #"), "{why}");
    }
    let invoice_reason = item(2).last_error.unwrap();
    assert!(
        invoice_reason.contains(&format!("#{}", steps[1]))
            && invoice_reason.contains(r#"is "$0.00", expected "$125.00""#),
        "{invoice_reason}"
    );

    // On the server: the comment once, no invoice, the status untouched.
    let dump = sim.dump();
    let t = ticket_of(&dump, ticket);
    let comments = t["comments"].as_array().unwrap();
    assert_eq!(
        comments
            .iter()
            .filter(|c| c["body"] == "Rebuilt the VPN profile")
            .count(),
        1
    );
    assert_eq!(t["status"], status_before);
    let invoices = dump["invoices"].as_array().cloned().unwrap_or_default();
    assert!(
        !invoices.iter().any(|i| i["ticket_id"] == json!(ticket)),
        "no invoice may be created after a failed step"
    );

    // And the technician is told, step by step.
    let out = env.syncro(&["outbox"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(r#"is "$0.00", expected "$125.00""#), "{text}");
    assert!(
        text.contains(&format!("#{} held: waiting: step #{}", steps[2], steps[1])),
        "{text}"
    );
    sim.shutdown().await;
}
