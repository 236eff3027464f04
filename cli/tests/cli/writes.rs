//! Writes: comment, update, create, bill, line items, timers, invoices;
//! what is queued, the previews, and every validation error queueing nothing.
//!
//! Long (about 780 lines) because each write's rules (what it queues,
//! what it previews, which inputs it refuses) are read side by side here;
//! split by kind, the shared "refused means nothing queued" checks would
//! be repeated in every file.

use serde_json::json;
use syncro_store::outbox::{Command, CommentWrite, TicketWrite, TimerWrite};

use crate::fixture::*;

#[test]
fn comment_with_yes_is_queued() {
    let fx = Fx::new();
    let out = fx.run(&["comment", "#32164", "Client confirmed it works.", "--yes"]);
    assert_snapshot!("comment_queued", fx.show(&out));
    assert_eq!(
        fx.outbox_json(),
        json!([{
            "id": 1, "kind": "add_comment", "state": "queued",
            "ticket_id": 1001, "ticket_number": 32164, "depends_on": null,
            "group_id": null, "group_seq": null, "base_updated_at": null,
            "payload": {"kind": "add_comment", "subject": "Update",
                        "body": "Client confirmed it works.", "hidden": false,
                        "do_not_email": false, "tech": "Jane Tech"}
        }])
    );
    assert!(fx.store().wake_file().exists(), "the daemon is poked");
}

#[test]
fn comment_options_and_json() {
    let fx = Fx::new();
    let out = fx.run(&[
        "comment",
        "32170",
        "Internal note",
        "--subject",
        "Notes",
        "--hidden",
        "--do-not-email",
        "--tech",
        "Sam Tech",
        "--yes",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_snapshot!(
        "comment_json",
        serde_json::to_string_pretty(&scrub_times(json_out(&out))).unwrap()
    );
}

#[test]
fn comment_text_from_stdin() {
    let fx = Fx::new();
    let out = fx.run_stdin(
        &["comment", "32164", "-", "--yes"],
        "First line\nsecond line\n\n",
    );
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_eq!(
        fx.outbox()[0].command,
        Command::Comment(CommentWrite::Add {
            subject: "Update".into(),
            body: "First line\nsecond line".into(),
            hidden: false,
            do_not_email: false,
            tech: Some("Jane Tech".into()),
        })
    );
}

#[test]
fn a_non_terminal_without_yes_refuses_and_queues_nothing() {
    let fx = Fx::new();
    let out = fx.run(&["comment", "32164", "Client confirmed it works."]);
    assert_snapshot!("comment_refused", fx.show(&out));
    assert!(fx.outbox().is_empty());
    // Reading the text from stdin leaves no one to ask either.
    let out = fx.run_stdin(&["comment", "32164", "-"], "text");
    assert_eq!(code(&out), 1);
    assert!(fx.outbox().is_empty());
}

#[test]
fn comment_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["comment", "99999", "hi", "--yes"],
            1,
            "ticket #99999 is not in the cache",
        ),
        (
            &["comment", "32164", "   ", "--yes"],
            1,
            "the comment is empty; nothing queued",
        ),
        (
            &["comment", "32164", "hi", "--subject", " ", "--yes"],
            1,
            "the subject is empty",
        ),
        (
            &["comment", "32164", "--yes"],
            2,
            "no comment text: give TEXT, or `-`",
        ),
        (
            &["comment", "abc", "hi", "--yes"],
            2,
            "is not a ticket number",
        ),
        (
            &["comment", "@99", "hi", "--yes"],
            1,
            "there is no outbox item 99",
        ),
    ];
    for (args, want, msg) in cases {
        let out = fx.run(args);
        assert_eq!(code(&out), *want, "{args:?}: {}", fx.show(&out));
        assert!(stderr(&out).contains(msg), "{args:?}: {}", fx.show(&out));
    }
    let out = fx.run_stdin(&["comment", "32164", "-", "--yes"], "\n  \n");
    assert_eq!(code(&out), 1);
    assert_snapshot!(
        "comment_empty",
        fx.show(&fx.run(&["comment", "32164", "", "--yes"]))
    );
    assert!(fx.outbox().is_empty());
}

#[test]
fn update_and_close() {
    let fx = Fx::new();
    let out = fx.run(&[
        "update",
        "32164",
        "--status",
        "waiting on customer",
        "--priority",
        "1 High",
        "--yes",
    ]);
    assert_snapshot!("update_queued", fx.show(&out));
    let out = fx.run(&["close", "#32170"]);
    assert_snapshot!("close_refused_preview", fx.show(&out));
    let out = fx.run(&["close", "#32170", "--yes"]);
    assert_eq!(code(&out), 0);
    assert_json_snapshot!("update_close_outbox", fx.outbox_json());
    let items = fx.outbox();
    assert_eq!(
        items[0].base_updated_at.as_deref(),
        Some("2026-03-09T16:40:00.000Z"),
        "the conflict check compares with the ticket as cached"
    );
}

#[test]
fn update_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let out = fx.run(&["update", "32164", "--status", "Finished", "--yes"]);
    assert_snapshot!("update_unknown_status", fx.show(&out));
    let out = fx.run(&["update", "32164", "--yes"]);
    assert_eq!(code(&out), 2, "nothing to change is a usage error");
    let out = fx.run(&["update", "99999", "--status", "New", "--yes"]);
    assert_eq!(code(&out), 1);
    let out = fx.run(&["close", "32150", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("#32150 is already Resolved; nothing queued"));
    assert!(fx.outbox().is_empty());
}

#[test]
fn create_then_write_to_the_pending_ticket() {
    let fx = Fx::new();
    let out = fx.run(&[
        "create",
        "Jerry Burger",
        "Printer on fire",
        "--problem-type",
        "Hardware",
        "--priority",
        "0 Urgent",
        "--body",
        "Smoke from the printer.",
        "--yes",
    ]);
    assert_snapshot!("create_queued", fx.show(&out));
    let out = fx.run(&["comment", "@1", "Unplugged it.", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_eq!(
        stdout(&out),
        "queued #2 on @1: comment \"Update\": Unplugged it.\n"
    );
    let out = fx.run(&[
        "bill",
        "@1",
        "--minutes",
        "30",
        "--labor",
        "onsite",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_json_snapshot!("create_pending_outbox", fx.outbox_json());
    // `syncro outbox` shows which pending ticket each write waits for.
    fx.pin_outbox_times();
    assert_snapshot!("outbox_pending_ticket", fx.show(&fx.run(&["outbox"])));

    // @ID must name a queued ticket creation.
    let out = fx.run(&["comment", "@2", "x", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("@2: outbox item 2 is a add_comment, not a ticket creation"));
    fx.run(&["outbox", "cancel", "1"]);
    let out = fx.run(&["comment", "@1", "x", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("creating that ticket cancelled"));
}

#[test]
fn create_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let out = fx.run(&["create", "burger", "Thing", "--yes"]);
    assert_snapshot!("create_ambiguous_customer", fx.show(&out));
    let out = fx.run(&["create", "Old Client", "Thing", "--yes"]);
    assert_eq!(code(&out), 1, "disabled customers get no new tickets");
    let out = fx.run(&["create", "10", " ", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("the subject is empty"));
    assert!(fx.outbox().is_empty());
}

#[test]
fn bill_queues_the_whole_workflow_as_one_group() {
    let fx = Fx::new();
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "45",
        "--labor",
        "Remote",
        "--comment",
        "Upgraded the sync client and verified syncing.\nCustomer confirmed.",
        "--yes",
    ]);
    assert_snapshot!("bill_queued", fx.show(&out));
    assert_json_snapshot!("bill_outbox", fx.outbox_json());
    let items = fx.outbox();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|i| i.base_updated_at.is_none()));
    assert_eq!(items[1].depends_on, Some(items[0].id));
    assert_eq!(items[3].depends_on, Some(items[2].id));
}

#[test]
fn bill_preview_shows_every_step_hours_and_total() {
    let fx = Fx::new();
    // Without a terminal the preview is shown and nothing is queued.
    let out = fx.run(&[
        "bill",
        "32170",
        "--minutes",
        "20",
        "--labor",
        "onsite",
        "--rate",
        "160",
    ]);
    assert_snapshot!("bill_preview_refused", fx.show(&out));
    assert!(fx.outbox().is_empty());
    let out = fx.run(&[
        "bill",
        "32170",
        "--minutes",
        "20",
        "--labor",
        "onsite",
        "--rate",
        "160",
        "--yes",
        "--json",
    ]);
    assert_eq!(code(&out), 0);
    let v = scrub_times(json_out(&out));
    assert_json_snapshot!("bill_json", v);
}

#[test]
fn bill_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let out = fx.run(&[
        "bill",
        "32164",
        "--minutes",
        "30",
        "--labor",
        "plumbing",
        "--yes",
    ]);
    assert_snapshot!("bill_unknown_labor", fx.show(&out));
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "0",
                "--labor",
                "remote",
                "--yes",
            ],
            1,
            "--minutes must be positive, not 0",
        ),
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "-15",
                "--labor",
                "remote",
                "--yes",
            ],
            1,
            "--minutes must be positive, not -15",
        ),
        (
            &[
                "bill",
                "99999",
                "--minutes",
                "15",
                "--labor",
                "remote",
                "--yes",
            ],
            1,
            "ticket #99999 is not in the cache",
        ),
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "15",
                "--labor",
                "remote",
                "--comment",
                "  ",
                "--yes",
            ],
            1,
            "the comment is empty",
        ),
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "15",
                "--labor",
                "remote",
                "--rate",
                "-1",
                "--yes",
            ],
            1,
            "--rate must be a non-negative",
        ),
        (
            &["bill", "32164", "--labor", "remote", "--yes"],
            2,
            "--minutes",
        ),
        (&["bill", "32164", "--minutes", "15", "--yes"], 2, "--labor"),
        (
            &[
                "bill",
                "32164",
                "--minutes",
                "1.5",
                "--labor",
                "remote",
                "--yes",
            ],
            2,
            "invalid value",
        ),
    ];
    for (args, want, msg) in cases {
        let out = fx.run(args);
        assert_eq!(code(&out), *want, "{args:?}: {}", fx.show(&out));
        assert!(stderr(&out).contains(msg), "{args:?}: {}", fx.show(&out));
    }
    let fx_nolabor = Fx::with_config("tech = \"Jane Tech\"\n");
    seed(&mut fx_nolabor.store());
    let out = fx_nolabor.run(&[
        "bill",
        "32164",
        "--minutes",
        "30",
        "--labor",
        "remote",
        "--yes",
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no labor types are configured"));
    assert!(fx.outbox().is_empty());
    assert!(fx_nolabor.outbox().is_empty());
}

#[test]
fn line_items() {
    let fx = Fx::new();
    let out = fx.run(&[
        "line-item",
        "add",
        "32164",
        "--name",
        "Cable",
        "--description",
        "Cat6 patch cable",
        "--quantity",
        "2",
        "--price",
        "7.5",
        "--product",
        "812",
        "--yes",
    ]);
    assert_snapshot!("line_item_add", fx.show(&out));
    let out = fx.run(&[
        "line-item",
        "update",
        "32164",
        "5001",
        "--quantity",
        "0.75",
        "--price",
        "130",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let out = fx.run(&["line-item", "remove", "32164", "5001", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    // Changing an invoiced line is allowed, with a warning.
    let out = fx.run(&["line-item", "remove", "32150", "5002", "--yes"]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("line item 5002 is already invoiced"));
    assert_json_snapshot!("line_items_outbox", fx.outbox_json());
}

#[test]
fn line_item_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let out = fx.run(&[
        "line-item",
        "update",
        "32164",
        "5999",
        "--price",
        "1",
        "--yes",
    ]);
    assert_snapshot!("line_item_unknown", fx.show(&out));
    let add = |extra: &[&str]| {
        let mut a = vec![
            "line-item",
            "add",
            "32164",
            "--name",
            "Cable",
            "--description",
            "Cat6",
            "--yes",
        ];
        a.extend_from_slice(extra);
        fx.run(&a)
    };
    let out = add(&["--quantity", "0", "--price", "5"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("--quantity must be positive"));
    let out = add(&["--quantity", "1", "--price", "NaN"]);
    assert_eq!(code(&out), 1);
    let out = add(&["--quantity", "1"]);
    assert_eq!(code(&out), 2, "--price is required");
    let out = fx.run(&[
        "line-item",
        "add",
        "32164",
        "--name",
        " ",
        "--description",
        "x",
        "--quantity",
        "1",
        "--price",
        "1",
        "--yes",
    ]);
    assert_eq!(code(&out), 1);
    let out = fx.run(&["line-item", "update", "32164", "5001", "--yes"]);
    assert_eq!(code(&out), 2, "nothing to change");
    let out = fx.run(&["line-item", "remove", "32180", "5001", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("#32180 has no line item 5001 in the cache (its line items: none)")
    );
    assert!(fx.outbox().is_empty());
}

#[test]
fn timers() {
    let fx = Fx::new();
    let out = fx.run(&[
        "timer",
        "add",
        "32164",
        "--start",
        "2026-03-10 09:00",
        "--minutes",
        "90",
        "--notes",
        "Migration",
        "--billable",
        "--labor",
        "remote",
        "--yes",
    ]);
    assert_snapshot!("timer_add", fx.show(&out));
    let out = fx.run(&[
        "timer",
        "add",
        "32164",
        "--start",
        "08:00",
        "--end",
        "2026-03-10T08:20:00Z",
        "--product",
        "812",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let out = fx.run(&["timer", "charge", "32164", "7001", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let out = fx.run(&["timer", "delete", "32164", "7001", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_json_snapshot!("timers_outbox", fx.outbox_json());
}

#[test]
fn timer_validation_errors_queue_nothing() {
    let fx = Fx::new();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &[
                "timer", "add", "32164", "--start", "10:00", "--end", "09:00", "--yes",
            ],
            1,
            "the timer ends (2026-03-10 09:00) before it starts (2026-03-10 10:00)",
        ),
        (
            &[
                "timer",
                "add",
                "32164",
                "--start",
                "10:00",
                "--minutes",
                "0",
                "--yes",
            ],
            1,
            "--minutes must be positive",
        ),
        (
            &[
                "timer",
                "add",
                "32164",
                "--start",
                "soon",
                "--minutes",
                "5",
                "--yes",
            ],
            2,
            "--start \"soon\" is not a time",
        ),
        (
            &["timer", "add", "32164", "--start", "10:00", "--yes"],
            2,
            "--end",
        ),
        (
            &[
                "timer",
                "add",
                "32164",
                "--start",
                "10:00",
                "--end",
                "11:00",
                "--minutes",
                "5",
                "--yes",
            ],
            2,
            "cannot be used with",
        ),
        (
            &[
                "timer",
                "add",
                "32164",
                "--start",
                "10:00",
                "--minutes",
                "5",
                "--labor",
                "x",
                "--yes",
            ],
            1,
            "unknown labor type \"x\"; configured: onsite, remote",
        ),
        (
            &["timer", "charge", "32164", "7999", "--yes"],
            1,
            "#32164 has no timer 7999 in the cache (its timers: 7001)",
        ),
        (
            &["timer", "charge", "32150", "7002", "--yes"],
            1,
            "timer 7002 on #32150 is already charged",
        ),
    ];
    for (args, want, msg) in cases {
        let out = fx.run(args);
        assert_eq!(code(&out), *want, "{args:?}: {}", fx.show(&out));
        assert!(stderr(&out).contains(msg), "{args:?}: {}", fx.show(&out));
    }
    assert!(fx.outbox().is_empty());
}

#[test]
fn invoice_create() {
    let fx = Fx::new();
    let out = fx.run(&["invoice", "create", "32164"]);
    assert_snapshot!("invoice_create_preview", fx.show(&out));
    assert!(fx.outbox().is_empty());
    let out = fx.run(&["invoice", "create", "32170", "--yes"]);
    assert_snapshot!("invoice_create_empty_warning", fx.show(&out));
    assert_eq!(fx.outbox()[0].kind, "create_invoice");
}

#[test]
fn assignee_by_name_from_the_cache_and_a_due_day() {
    let fx = Fx::new();
    let out = fx.run(&[
        "update",
        "32164",
        "--assignee",
        "sam",
        "--due-date",
        "2026-03-13",
        "--dry-run",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let preview = stdout(&out);
    assert!(
        preview.contains("assignee Jane Tech -> Sam Tech (8)"),
        "{preview}"
    );
    assert!(preview.contains("-> 2026-03-13 17:00"), "{preview}");
    assert!(fx.outbox().is_empty(), "a dry run queues nothing");

    let out = fx.run(&["update", "32164", "--assignee", "tech", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("\"tech\" matches 2 users: Jane Tech (7), Sam Tech (8)"),
        "{}",
        stderr(&out)
    );
    let out = fx.run(&["update", "32164", "--assignee", "Nobody", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no user named \"Nobody\""));
    let out = fx.run(&["update", "32164", "--due-date", "next week", "--yes"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(fx.outbox().is_empty());

    // By id, and a due time as typed (the fixture's local time is UTC).
    let out = fx.run(&[
        "update",
        "32164",
        "--assignee",
        "8",
        "--due-date",
        "2026-03-13 09:30",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    let items = fx.outbox();
    let Command::Ticket(TicketWrite::Update { fields }) = &items[0].command else {
        panic!("{:?}", items[0].command);
    };
    assert_eq!(fields.user_id, Some(8));
    assert_eq!(fields.due_date.as_deref(), Some("2026-03-13T09:30:00.000Z"));
    assert_eq!((&fields.status, &fields.priority), (&None, &None));
}

#[test]
fn timer_update_changes_only_what_is_given() {
    let fx = Fx::new();
    // Minutes count from the cached start (15:00); the end is sent itself.
    let out = fx.run(&[
        "timer",
        "update",
        "32164",
        "7001",
        "--minutes",
        "45",
        "--notes",
        "Longer",
        "--yes",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert_eq!(
        fx.outbox()[0].command,
        Command::Timer(TimerWrite::Update {
            timer_id: 7001,
            start_at: None,
            end_at: Some("2026-03-09T15:45:00.000Z".into()),
            notes: Some("Longer".into()),
            billable: None,
            product_id: None,
        })
    );
    // The write options may come before the action too.
    let out = fx.run(&[
        "timer",
        "--yes",
        "update",
        "32164",
        "7001",
        "--billable",
        "false",
    ]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));

    let out = fx.run(&[
        "timer",
        "update",
        "32164",
        "7001",
        "--end",
        "2026-03-09 14:00",
        "--yes",
    ]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("before it starts"),
        "{}",
        stderr(&out)
    );
    let out = fx.run(&["timer", "update", "32150", "7002", "--notes", "x", "--yes"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("already charged"), "{}", stderr(&out));
    let out = fx.run(&["timer", "update", "32164", "7001", "--yes"]);
    assert_eq!(code(&out), 2, "nothing to change is a usage error");
    assert_eq!(fx.outbox().len(), 2);
}
