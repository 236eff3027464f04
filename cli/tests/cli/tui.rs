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
