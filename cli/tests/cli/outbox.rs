//! The outbox: what waits and why, cancel/release/retry, --force, dry runs.

use serde_json::json;
use syncro_store::outbox::{
    Change, Command, InvoiceWrite, NewItem, State, TicketFields, TicketWrite,
};

use crate::fixture::*;

pub(crate) fn outbox_fixture(fx: &Fx) -> (i64, i64, i64, i64) {
    let mut store = fx.store();
    let queued = store
        .enqueue(NewItem::on_ticket(
            comment_cmd("Client confirmed."),
            1001,
            32164,
        ))
        .unwrap();
    let held = store
        .enqueue(NewItem::on_ticket(
            Command::Ticket(TicketWrite::Update {
                fields: TicketFields {
                    status: Some("Resolved".into()),
                    ..Default::default()
                },
            }),
            1002,
            32170,
        ))
        .unwrap();
    store
        .outbox_transition(
            held,
            &[State::Queued],
            State::Held,
            Change {
                last_error: Some(Some(
                    "conflict: #32170 changed on the server since you viewed it".into(),
                )),
                ..Default::default()
            },
        )
        .unwrap();
    let failed = store
        .enqueue(NewItem::on_ticket(
            Command::Invoice(InvoiceWrite::Create {}),
            1003,
            32150,
        ))
        .unwrap();
    store
        .outbox_transition(
            failed,
            &[State::Queued],
            State::Failed,
            Change {
                bump_attempts: true,
                last_error: Some(Some("422: Ticket has no billable line items".into())),
                ..Default::default()
            },
        )
        .unwrap();
    let done = store
        .enqueue(NewItem::on_ticket(
            comment_cmd("Sent already."),
            1001,
            32164,
        ))
        .unwrap();
    store
        .outbox_transition(
            done,
            &[State::Queued],
            State::Done,
            Change {
                bump_attempts: true,
                ..Default::default()
            },
        )
        .unwrap();
    fx.pin_outbox_times();
    (queued, held, failed, done)
}

#[test]
fn outbox_lists_what_waits_with_reasons() {
    let fx = Fx::new();
    assert_snapshot!("outbox_empty", fx.show(&fx.run(&["outbox"])));
    outbox_fixture(&fx);
    assert_snapshot!("outbox_text", fx.show(&fx.run(&["outbox"])));
    assert_snapshot!("outbox_all_text", fx.show(&fx.run(&["outbox", "--all"])));
    let out = fx.run(&["outbox", "--json"]);
    assert_snapshot!("outbox_json", stdout(&out));
    assert_eq!(
        json_out(&fx.run(&["outbox", "--all", "--json"]))["outbox"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn outbox_cancel_release_retry() {
    let fx = Fx::new();
    let (queued, held, failed, done) = outbox_fixture(&fx);
    let out = fx.run(&["outbox", "release", &held.to_string()]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_eq!(
        stdout(&out),
        "#2 update status -> Resolved: released: it goes ahead\n"
    );
    let out = fx.run(&["outbox", "retry", &failed.to_string(), "--json"]);
    assert_eq!(json_out(&out)["state"], "queued");
    let out = fx.run(&["outbox", "cancel", &queued.to_string()]);
    assert_eq!(
        stdout(&out),
        "#1 comment \"Update\": Client confirmed.: cancelled: nothing more will be sent\n"
    );
    let store = fx.store();
    assert_eq!(
        store.outbox_item(held).unwrap().unwrap().state,
        State::Queued
    );
    assert_eq!(
        store.outbox_item(failed).unwrap().unwrap().state,
        State::Queued
    );
    assert_eq!(
        store.outbox_item(queued).unwrap().unwrap().state,
        State::Cancelled
    );

    let out = fx.run(&["outbox", "cancel", &done.to_string()]);
    assert_snapshot!("outbox_cancel_done", fx.show(&out));
    let out = fx.run(&["outbox", "release", &done.to_string()]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("it is finished; there is nothing to release"));
    let out = fx.run(&["outbox", "retry", "99"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("there is no outbox item 99"));
    assert_eq!(code(&fx.run(&["outbox", "cancel", "x"])), 2);
}

#[test]
fn a_dry_run_shows_the_bill_and_its_total_and_queues_nothing() {
    let fx = Fx::new();
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "45",
        "--labor",
        "remote",
        "--comment",
        "Swapped the fuser",
        "--hidden",
        "--subject",
        "Onsite",
        "--dry-run",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let text = stdout(&out);
    assert!(
        text.contains("0.75 h x $125.00/h = $93.75")
            && text.contains("total: 45 min = 0.75 h, $93.75"),
        "{text}"
    );
    assert!(text.contains("comment \"Onsite\""), "{text}");
    assert!(
        stderr(&out).contains("--dry-run: nothing queued"),
        "{}",
        fx.show(&out)
    );
    let out = fx.run(&["invoice", "create", "32164", "--dry-run", "--json"]);
    let v = json_out(&out);
    assert_eq!(
        (&v["dry_run"], &v["target"]),
        (&json!(true), &json!("#32164")),
        "{v}"
    );
    assert!(fx.store().outbox_items(&[]).unwrap().is_empty());
    // The comment options need a comment.
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "45",
        "--labor",
        "remote",
        "--hidden",
        "--yes",
    ]);
    assert_eq!(code(&out), 2, "{}", fx.show(&out));
}

#[test]
fn a_write_that_may_have_landed_needs_force_to_cancel_or_release() {
    let fx = Fx::new();
    let mut store = fx.store();
    let mut probing = |text: &str| {
        let id = store
            .enqueue(NewItem::on_ticket(comment_cmd(text), 1001, 32164))
            .unwrap();
        store
            .outbox_transition(id, &[State::Queued], State::Probing, Change::default())
            .unwrap();
        id
    };
    let (a, b) = (
        probing("Rebooted the switch."),
        probing("Swapped the cable."),
    );
    for (action, id) in [("cancel", a), ("release", b)] {
        let out = fx.run(&["outbox", action, &id.to_string()]);
        assert_eq!(code(&out), 1, "{}", fx.show(&out));
        assert!(
            stderr(&out).contains("it may already be on the server")
                && stderr(&out).contains("--force"),
            "{}",
            fx.show(&out)
        );
    }
    let store = fx.store();
    assert_eq!(store.outbox_item(a).unwrap().unwrap().state, State::Probing);
    let out = fx.run(&["outbox", "cancel", &a.to_string(), "--force"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert!(stdout(&out).contains("it may already be on the server: check the ticket"));
    let out = fx.run(&["outbox", "release", &b.to_string(), "--force", "--json"]);
    assert_eq!(json_out(&out)["state"], "queued", "{}", fx.show(&out));
    assert_eq!(
        store.outbox_item(a).unwrap().unwrap().state,
        State::Cancelled
    );
}

#[test]
fn cancelling_a_bill_step_warns_about_the_steps_after_it() {
    let fx = Fx::new();
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "30",
        "--labor",
        "remote",
        "--yes",
    ]);
    assert_eq!(code(&out), 0);
    let out = fx.run(&["outbox", "cancel", "1"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("#2 wait(s) on #1 and will not run"),
        "{}",
        fx.show(&out)
    );
}

/// A write queued behind one that waits for a human on the same ticket
/// does not move until that one is settled: `syncro outbox` says which,
/// and `--wait` says so at once instead of timing out.
#[test]
fn a_write_behind_an_uncertain_one_on_its_ticket_says_what_it_waits_for() {
    let fx = Fx::new();
    let out = fx.run(&["update", "32170", "--status", "Resolved", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let mut store = fx.store();
    store
        .outbox_transition(
            1,
            &[State::Queued],
            State::Uncertain,
            Change {
                bump_attempts: true,
                last_error: Some(Some(
                    "the answer was lost and the look found two candidates".into(),
                )),
                ..Default::default()
            },
        )
        .unwrap();
    let out = fx.run(&[
        "comment",
        "32170",
        "Checked it",
        "--hidden",
        "--yes",
        "--wait=30",
    ]);
    assert_eq!(code(&out), 1, "{}", fx.show(&out));
    assert!(
        stderr(&out).contains("#1") && stderr(&out).contains("uncertain"),
        "{}",
        fx.show(&out)
    );
    assert!(!stderr(&out).contains("still queued"), "{}", fx.show(&out));
    let out = fx.run(&["outbox"]);
    assert!(
        stdout(&out).contains("#2 waits behind #1 on #32170")
            && stdout(&out).contains("which is uncertain"),
        "{}",
        fx.show(&out)
    );
}
