//! `syncro tui` drawn on an in-memory 80x24 screen (`--headless`) over the
//! fixture cache, one snapshot per view, under `NO_COLOR`. The keys are the
//! ones `?` lists.

use crate::fixture::*;

/// The screen after pressing `keys`.
fn screen(fx: &Fx, keys: &str) -> String {
    let out = fx
        .std_cmd(&["tui", "--headless", "80x24", "--keys", keys])
        .env("NO_COLOR", "1")
        .output()
        .expect("run syncro tui");
    assert!(
        out.status.success(),
        "syncro tui exited {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn the_list_opens_on_the_open_tickets_newest_activity_first() {
    let fx = Fx::new();
    assert_snapshot!("tui_list", screen(&fx, ""));
}

#[test]
fn search_as_you_type_highlights_and_opens_the_hit() {
    let fx = Fx::new();
    assert_snapshot!("tui_search", screen(&fx, "/fuser"));
    let opened = screen(&fx, "/fuser<Enter>");
    assert!(opened.contains("#32150"), "{opened}");
    assert_snapshot!("tui_ticket", screen(&fx, "<Enter>"));
}

/// Esc goes back the way the technician came: the outbox opened from a
/// ticket opened from a search returns to the ticket, then the search.
#[test]
fn esc_goes_back_the_way_it_came() {
    let fx = Fx::new();
    let ticket = screen(&fx, "/fuser<Enter>o<Esc>");
    assert!(ticket.contains("Comments"), "{ticket}");
    let search = screen(&fx, "/fuser<Enter>o<Esc><Esc>");
    assert_eq!(search, screen(&fx, "/fuser"));
}

#[test]
fn a_comment_is_written_previewed_and_queued() {
    let fx = Fx::new();
    assert_snapshot!(
        "tui_compose",
        screen(&fx, "<Enter>cSwapped the toner.<Enter>Printed a test page.")
    );
    assert_snapshot!(
        "tui_confirm",
        screen(&fx, "<Enter>cSwapped the toner.<C-p><C-s>")
    );
    let queued = screen(&fx, "<Enter>cSwapped the toner.<C-p><C-s>y");
    assert!(queued.contains("queued #1"), "{queued}");
    let items = fx.store().outbox_items(&[]).unwrap();
    assert_eq!(items.len(), 1);
    assert!(matches!(
        &items[0].command,
        syncro_store::outbox::Command::Comment(syncro_store::outbox::CommentWrite::Add { body, hidden: true, .. }) if body == "Swapped the toner."
    ));
}

#[test]
fn status_bill_outbox_and_help() {
    let fx = Fx::new();
    assert_snapshot!("tui_status", screen(&fx, "<Enter>s"));
    assert_snapshot!("tui_bill", screen(&fx, "<Enter>b45"));
    assert_snapshot!("tui_outbox", screen(&fx, "<Enter>s<Down><Enter>yo"));
    assert_snapshot!("tui_help", screen(&fx, "?"));
    assert!(fx.store().outbox_items(&[]).unwrap().len() == 1);
}

#[test]
fn the_list_filters_as_you_type_by_status_customer_or_assignee() {
    let fx = Fx::new();
    assert_snapshot!("tui_filter", screen(&fx, "fsam"));
    // Every word must match one of the three: Sam's tickets in progress.
    let kept = screen(&fx, "fsam progress<Enter>");
    assert!(kept.contains("#32170"), "{kept}");
    assert!(
        !kept.contains("#32164"),
        "Jane's ticket is filtered out: {kept}"
    );
    assert!(kept.contains("matching \"sam progress\""), "{kept}");
    let none = screen(&fx, "fsam resolved");
    assert!(
        none.contains("no ticket's status, customer or assignee matches"),
        "{none}"
    );
    // Esc clears it; Enter opens the highlighted ticket.
    let cleared = screen(&fx, "fsam<Enter><Esc>");
    assert!(
        cleared.contains("#32164") && cleared.contains("#32170"),
        "{cleared}"
    );
    let opened = screen(&fx, "fburger<Enter><Enter>");
    assert!(opened.contains("Jerry Burger"), "{opened}");
}

/// The outbox pane acts on the highlighted write as `syncro outbox` does:
/// `R` retries a failed one, `L` releases a held one, `C` cancels.
#[test]
fn the_outbox_pane_retries_releases_and_cancels() {
    use syncro_store::outbox::State;
    let fx = Fx::new();
    // Newest first in the pane: done #4, failed #3, held #2, queued #1.
    let (queued, held, failed, _) = crate::outbox::outbox_fixture(&fx);
    let state = |id| fx.store().outbox_item(id).unwrap().unwrap().state;
    let pane = screen(&fx, "o");
    assert!(
        pane.contains("no billable line items") && pane.contains("changed on the server"),
        "the reasons shown: {pane}"
    );
    let retried = screen(&fx, "o<Down>R");
    assert!(retried.contains(&format!("#{failed}:")), "{retried}");
    assert_eq!(state(failed), State::Queued);
    screen(&fx, "o<Down><Down>L");
    assert_eq!(state(held), State::Queued);
    screen(&fx, "o<Down><Down><Down>C");
    assert_eq!(state(queued), State::Cancelled);
}

/// A write in its undo window shows a countdown in the status bar, and
/// `u` takes it back before syncrod sends it.
#[test]
fn a_comment_in_its_undo_window_counts_down_and_u_takes_it_back() {
    let fx = Fx::new();
    let queued = screen(&fx, "<Enter>cSwapped the toner.<C-s>y");
    assert!(
        queued.contains("sent in 10 s unless you press u"),
        "{queued}"
    );
    let bar = screen(&fx, "");
    assert!(bar.contains("sending in 10s (u undo)"), "{bar}");
    let undone = screen(&fx, "u");
    assert!(
        undone.contains("taken back: 1 write(s) not sent"),
        "{undone}"
    );
    let items = fx.store().outbox_items(&[]).unwrap();
    assert!(
        items
            .iter()
            .all(|i| i.state == syncro_store::outbox::State::Cancelled),
        "{items:#?}"
    );
    assert!(!screen(&fx, "").contains("u undo"));
}

/// `●` marks a ticket the customer answered since it was last opened
/// here; opening it clears the mark, for later runs too.
#[test]
fn a_customer_reply_is_marked_until_the_ticket_is_opened() {
    let fx = Fx::new();
    let replied = syncro_store::model::Ticket::from_json(&serde_json::json!({
        "id": 1010, "number": 32190, "subject": "Scanner offline again", "status": "Customer Reply",
        "customer_id": 30, "customer_business_then_name": "Burger Barn",
        "created_at": "2026-03-09T08:00:00Z", "updated_at": "2026-03-10T11:50:00Z",
    }))
    .unwrap();
    fx.store().upsert_tickets(&[replied], &[]).unwrap();
    assert_snapshot!("tui_list_customer_reply", screen(&fx, ""));
    let list = screen(&fx, "");
    let row = list
        .lines()
        .find(|l| l.contains("#32190"))
        .expect("the replied ticket listed");
    assert!(row.contains("● "), "{row}");
    // Newest activity first: it heads the list; open it and come back.
    let back = screen(&fx, "<Enter><Esc>");
    let row = back.lines().find(|l| l.contains("#32190")).unwrap();
    assert!(!row.contains('●'), "{row}");
    let later = screen(&fx, "");
    let row = later.lines().find(|l| l.contains("#32190")).unwrap();
    assert!(!row.contains('●'), "seen is remembered: {row}");
}

/// The mark follows the cached thread, not only the status: a customer's
/// email after the last opening marks the ticket again whatever its
/// status says; a colleague's comment does not.
#[test]
fn a_customer_comment_after_the_last_opening_marks_the_ticket_again() {
    let fx = Fx::new();
    let ticket = serde_json::json!({
        "id": 1011, "number": 32191, "subject": "Laptop fan loud", "status": "In Progress",
        "customer_id": 30, "customer_business_then_name": "Burger Barn",
        "created_at": "2026-03-09T08:00:00Z", "updated_at": "2026-03-10T11:55:00Z",
    });
    let thread = |comments: serde_json::Value| {
        let mut t = ticket.clone();
        t["comments"] = comments;
        syncro_store::model::TicketWithChildren::from_json(&t).unwrap()
    };
    let asked = serde_json::json!({"id": 501, "body": "It hums when it starts",
        "created_at": "2026-03-09T08:00:00Z", "user_id": null});
    let ours = serde_json::json!({"id": 502, "body": "Cleaned the vents",
        "created_at": "2026-03-09T10:00:00Z", "user_id": 7});
    fx.store()
        .upsert_ticket_detail(&thread(serde_json::json!([asked, ours])))
        .unwrap();
    let row = |s: &str| {
        s.lines()
            .find(|l| l.contains("#32191"))
            .expect("the ticket listed")
            .to_string()
    };
    // Never opened, last word ours: nothing new from the customer.
    assert!(!row(&screen(&fx, "")).contains('●'));
    screen(&fx, "<Enter><Esc>");
    // A colleague after the opening (SYNCRO_NOW): still nothing to mark.
    let colleague = serde_json::json!({"id": 503, "body": "Ordered a new fan",
        "created_at": "2026-03-10T13:00:00Z", "user_id": 8});
    fx.store()
        .upsert_ticket_detail(&thread(serde_json::json!([asked, ours, colleague])))
        .unwrap();
    assert!(!row(&screen(&fx, "")).contains('●'));
    // The customer's email after it: marked, though no status says so.
    let email = serde_json::json!({"id": 504, "body": "Still loud this morning",
        "created_at": "2026-03-10T14:00:00Z", "user_id": null});
    fx.store()
        .upsert_ticket_detail(&thread(serde_json::json!([asked, ours, colleague, email])))
        .unwrap();
    assert!(row(&screen(&fx, "")).contains("● "));
}
