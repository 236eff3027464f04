//! The outbox on a real database: rows that survive a reopen in every
//! state, compare-and-set transitions, the order writes go in, what counts
//! as pending, what a retry may do, and the undo window.

use syncro_store::outbox::{
    Change, Command, CommentWrite, NewItem, State, TicketFields, TicketWrite,
};
use syncro_store::Store;

use crate::temp_store;

fn comment(body: &str) -> Command {
    Command::Comment(CommentWrite::Add {
        subject: "Update".into(),
        body: body.into(),
        hidden: false,
        do_not_email: false,
        tech: None,
    })
}

#[test]
fn an_outbox_row_survives_reopen_in_every_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let mut ids = Vec::new();
    {
        let mut store = Store::open(&path).unwrap();
        for state in State::ALL {
            let id = store
                .enqueue(NewItem::on_ticket(comment(state.as_str()), 1, 101))
                .unwrap();
            let path: &[State] = match state {
                State::Queued => &[],
                State::Sending => &[State::Sending],
                State::Verifying => &[State::Sending, State::Verifying],
                State::Done => &[State::Sending, State::Verifying, State::Done],
                other => &[State::Sending, other],
            };
            let mut from = State::Queued;
            for &to in path {
                store
                    .outbox_transition(
                        id,
                        &[from],
                        to,
                        Change {
                            bump_attempts: to == State::Sending,
                            ..Change::default()
                        },
                    )
                    .unwrap();
                from = to;
            }
            ids.push((id, state));
        }
    }
    let store = Store::open(&path).unwrap();
    for (id, state) in ids {
        let item = store.outbox_item(id).unwrap().unwrap();
        assert_eq!(item.state, state);
        assert_eq!(item.command, comment(state.as_str()));
    }
}

#[test]
fn outbox_transitions_are_compare_and_set() {
    let (_dir, mut store) = temp_store();
    let id = store
        .enqueue(NewItem::on_ticket(comment("a"), 1, 101))
        .unwrap();
    let err = store
        .outbox_transition(id, &[State::Sending], State::Verifying, Change::default())
        .unwrap_err();
    assert!(err.to_string().contains("is queued, not sending"), "{err}");
    let item = store
        .outbox_transition(
            id,
            &[State::Queued],
            State::Sending,
            Change {
                bump_attempts: true,
                ..Change::default()
            },
        )
        .unwrap();
    assert_eq!(item.attempts, 1);
    assert!(
        matches!(
            store.outbox_cancel(id, false),
            Err(syncro_store::StoreError::MayHaveLanded { .. })
        ),
        "an in-flight item is not cancelled without --force"
    );
    let forced = store.outbox_cancel(id, true).unwrap();
    assert_eq!(forced.state, State::Cancelled);
    assert!(forced
        .last_error
        .unwrap_or_default()
        .contains("may be on the server"));
    assert!(store
        .outbox_transition(99, &[State::Queued], State::Done, Change::default())
        .is_err());
}

#[test]
fn outbox_ready_respects_ticket_order_and_dependencies() {
    let (_dir, mut store) = temp_store();
    let a = store
        .enqueue(NewItem::on_ticket(comment("a"), 1, 101))
        .unwrap();
    let b = store
        .enqueue(NewItem::on_ticket(comment("b"), 1, 101))
        .unwrap();
    let c = store
        .enqueue(NewItem::on_ticket(comment("c"), 2, 102))
        .unwrap();
    let group = store
        .enqueue_group(
            "bill",
            vec![
                NewItem::on_ticket(comment("g1"), 3, 103),
                NewItem::on_ticket(
                    Command::Ticket(TicketWrite::Update {
                        fields: TicketFields {
                            status: Some("Invoiced".into()),
                            ..Default::default()
                        },
                    }),
                    3,
                    103,
                ),
            ],
        )
        .unwrap();
    let now = syncro_store::time::now();
    let ready: Vec<i64> = store
        .outbox_ready(&now)
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ready, vec![a, c, group[0]]);
    let second = store.outbox_item(group[1]).unwrap().unwrap();
    assert_eq!(second.depends_on, Some(group[0]));
    assert_eq!(
        second.group_id,
        store.outbox_item(group[0]).unwrap().unwrap().group_id
    );

    for id in [a, group[0]] {
        store
            .outbox_transition(id, &[State::Queued], State::Done, Change::default())
            .unwrap();
    }
    let ready: Vec<i64> = store
        .outbox_ready(&now)
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ready, vec![b, c, group[1]]);

    // A held item keeps later items on its ticket waiting.
    store
        .outbox_transition(b, &[State::Queued], State::Held, Change::default())
        .unwrap();
    let d = store
        .enqueue(NewItem::on_ticket(comment("d"), 1, 101))
        .unwrap();
    let ready: Vec<i64> = store
        .outbox_ready(&now)
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert!(!ready.contains(&d));
    store.outbox_release(b, false).unwrap();
    let counts = store.outbox_counts().unwrap();
    assert_eq!((counts.queued, counts.done, counts.held), (4, 2, 0));
}

#[test]
fn pending_writes_per_ticket_count_what_is_unsent_or_needs_a_human() {
    let (_dir, mut store) = temp_store();
    let comment = |body: &str| {
        Command::Comment(CommentWrite::Add {
            subject: "Update".into(),
            body: body.into(),
            hidden: false,
            do_not_email: false,
            tech: None,
        })
    };
    let mut ids = Vec::new();
    for (ticket, state) in [
        (1, State::Queued),
        (1, State::Held),
        (1, State::Done),
        (2, State::Cancelled),
        (2, State::Failed),
        (3, State::Done),
    ] {
        let id = store
            .enqueue(NewItem::on_ticket(comment("x"), ticket, ticket + 100))
            .unwrap();
        if state != State::Queued {
            store
                .outbox_transition(id, &[State::Queued], state, Change::default())
                .unwrap();
        }
        ids.push(id);
    }
    // A ticket still being created has no id yet: not counted.
    store
        .enqueue(NewItem {
            command: comment("y"),
            ticket_id: None,
            ticket_number: None,
            depends_on: Some(ids[0]),
            base_updated_at: None,
        })
        .unwrap();
    let pending = store.outbox_pending_by_ticket().unwrap();
    let mut pending: Vec<(i64, i64)> = pending.into_iter().collect();
    pending.sort();
    assert_eq!(pending, vec![(1, 2), (2, 1)]);
}

#[test]
fn retry_does_what_is_safe_for_what_is_known() {
    use syncro_store::outbox::{ItemResult, RetryPlan};
    let (_dir, mut store) = temp_store();
    fn make(store: &mut Store, state: State, remote_id: Option<i64>, sent: bool) -> i64 {
        let id = store
            .enqueue(NewItem::on_ticket(comment("x"), 1, 100))
            .unwrap();
        store
            .outbox_transition(
                id,
                &[State::Queued],
                state,
                Change {
                    remote_id,
                    result: Some(ItemResult {
                        sent_at: sent.then(|| "2026-12-01T10:00:00.000Z".to_string()),
                        ..ItemResult::default()
                    }),
                    ..Change::default()
                },
            )
            .unwrap();
        id
    }
    let landed = make(&mut store, State::Failed, Some(55), true);
    let differs = make(&mut store, State::Differs, Some(56), true);
    let unknown = make(&mut store, State::Uncertain, None, true);
    let refused = make(&mut store, State::Failed, None, false);
    let held = make(&mut store, State::Held, None, false);
    let done = make(&mut store, State::Done, Some(57), true);
    let cases = [
        (landed, RetryPlan::Reverify, State::Verifying),
        (differs, RetryPlan::Reverify, State::Verifying),
        (unknown, RetryPlan::Probe, State::Probing),
        (refused, RetryPlan::Resend, State::Queued),
        (held, RetryPlan::Resend, State::Queued),
    ];
    for (id, plan, state) in cases {
        let (item, got) = store.outbox_retry(id).unwrap();
        assert_eq!((got, item.state), (plan, state), "item {id}");
    }
    assert!(
        store.outbox_retry(done).is_err(),
        "a verified item is not retried"
    );
    // Release: a differing item is accepted as it is; an uncertain one is
    // sent again without its lost send on record.
    let differs = make(&mut store, State::Differs, Some(58), true);
    let (item, was) = store.outbox_release(differs, false).unwrap();
    assert_eq!((was, item.state), (State::Differs, State::Done));
    let unknown = make(&mut store, State::Uncertain, None, true);
    assert!(
        store.outbox_release(unknown, false).is_err(),
        "resending what may have landed needs --force"
    );
    let (item, _) = store.outbox_release(unknown, true).unwrap();
    assert_eq!(item.state, State::Queued);
    assert_eq!(item.result.sent_at, None);
}

/// Moves a queued item to `to`, next attempted at `at`.
fn due_at(store: &mut Store, id: i64, to: State, at: &str) {
    store
        .outbox_transition(
            id,
            &[State::Queued],
            to,
            Change {
                next_attempt_at: Some(Some(at.into())),
                ..Change::default()
            },
        )
        .unwrap();
}

#[test]
fn an_overdue_item_blocked_behind_a_held_one_is_not_a_reason_to_wake() {
    let (_dir, mut store) = temp_store();
    let held = store
        .enqueue(NewItem::on_ticket(comment("first"), 1, 101))
        .unwrap();
    store
        .outbox_transition(held, &[State::Queued], State::Held, Change::default())
        .unwrap();
    let behind = store
        .enqueue(NewItem::on_ticket(comment("second"), 1, 101))
        .unwrap();
    // It earned a backoff that has long expired.
    due_at(
        &mut store,
        behind,
        State::Queued,
        "2026-01-01T00:00:00.000Z",
    );
    assert_eq!(store.outbox_next_due().unwrap(), None);
    // An item on another ticket that can go sets the wake-up time.
    let other = store
        .enqueue(NewItem::on_ticket(comment("elsewhere"), 2, 102))
        .unwrap();
    due_at(
        &mut store,
        other,
        State::Probing,
        "2030-01-01T00:00:00.000Z",
    );
    assert_eq!(
        store.outbox_next_due().unwrap().as_deref(),
        Some("2030-01-01T00:00:00.000Z")
    );
}

#[test]
fn a_write_in_its_undo_window_waits_and_undo_takes_back_the_newest() {
    let (_dir, mut store) = temp_store();
    let later = "2099-01-01T00:00:00.000Z";
    let sent_now = store
        .enqueue(NewItem::on_ticket(comment("hidden note"), 1, 101))
        .unwrap();
    let public = store
        .enqueue_after(
            NewItem::on_ticket(comment("to the customer"), 2, 102),
            Some(later),
        )
        .unwrap();
    let now = syncro_store::time::now();
    let ready: Vec<i64> = store
        .outbox_ready(&now)
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        ready,
        vec![sent_now],
        "the public comment waits out its window"
    );
    assert_eq!(store.outbox_next_due().unwrap().as_deref(), Some(""));
    let item = store.outbox_item(public).unwrap().unwrap();
    assert_eq!(item.send_after.as_deref(), Some(later));
    // The server coming back does not cut the window short.
    store.outbox_due_now().unwrap();
    assert!(!store
        .outbox_ready(&now)
        .unwrap()
        .iter()
        .any(|i| i.id == public));

    let undone = store.outbox_undo().unwrap().expect("something to undo");
    assert_eq!(
        undone.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![public]
    );
    assert_eq!(undone[0].state, State::Cancelled);
    // A bill is one write: all its unsent steps go.
    let steps = store
        .enqueue_group_after(
            "bill",
            vec![
                NewItem::on_ticket(comment("work done"), 3, 103),
                NewItem::on_ticket(
                    Command::Ticket(TicketWrite::Update {
                        fields: TicketFields {
                            status: Some("Invoiced".into()),
                            ..Default::default()
                        },
                    }),
                    3,
                    103,
                ),
            ],
            Some(later),
        )
        .unwrap();
    let undone = store.outbox_undo().unwrap().expect("the bill");
    assert_eq!(undone.iter().map(|i| i.id).collect::<Vec<_>>(), steps);
    // Then the next newest unsent one, then nothing once it was sent.
    store
        .outbox_transition(
            sent_now,
            &[State::Queued],
            State::Sending,
            Change {
                bump_attempts: true,
                ..Change::default()
            },
        )
        .unwrap();
    assert_eq!(store.outbox_undo().unwrap(), None);
}
