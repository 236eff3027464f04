//! Reads: tickets, ticket, search, customers, invoices, status; a missing
//! cache or config.

use syncro_store::outbox::{
    Change, Command, InvoiceWrite, LineItemWrite, NewItem, State, TicketFields, TicketWrite,
    TimerWrite,
};

use crate::fixture::*;

#[test]
fn tickets_lists_open_tickets_aligned() {
    let fx = Fx::new();
    let out = fx.run(&["tickets"]);
    assert_snapshot!("tickets_text", fx.show(&out));
    // No subcommand means the same list.
    assert_eq!(stdout(&fx.run(&[])), stdout(&out));
}

#[test]
fn tickets_json_uses_api_field_names() {
    let fx = Fx::new();
    let out = fx.run(&["tickets", "--json"]);
    assert_eq!(code(&out), 0);
    assert_snapshot!("tickets_json", stdout(&out));
    let v = json_out(&out);
    assert_eq!(
        v["tickets"][0]["customer_business_then_name"],
        "Jerry Burger"
    );
    assert!(v["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["number"].is_i64() && t["pending_writes"] == 0));
}

#[test]
fn tickets_filters() {
    let fx = Fx::new();
    let numbers = |args: &[&str]| -> Vec<i64> {
        let mut a = vec!["tickets", "--json"];
        a.extend_from_slice(args);
        let out = fx.run(&a);
        assert_eq!(code(&out), 0, "{}", fx.show(&out));
        json_out(&out)["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers(&[]), vec![32180, 32170, 32164]);
    assert_eq!(numbers(&["--all"]), vec![32180, 32170, 32164, 32150, 32100]);
    assert_eq!(numbers(&["--status", "in progress"]), vec![32170]);
    assert_eq!(numbers(&["--status", "RESOLVED"]), vec![32150]);
    assert_eq!(numbers(&["--customer", "Jerry Burger"]), vec![32180, 32164]);
    assert_eq!(numbers(&["--customer", "10"]), vec![32180, 32164]);
    assert_eq!(numbers(&["--customer", "dental"]), vec![32170]);
    assert_eq!(numbers(&["--mine"]), vec![32164]);
    assert_eq!(numbers(&["--limit", "1"]), vec![32180]);
}

#[test]
fn tickets_filter_errors() {
    let fx = Fx::new();
    let out = fx.run(&["tickets", "--status", "Done"]);
    assert_snapshot!("tickets_unknown_status", fx.show(&out));
    let out = fx.run(&["tickets", "--customer", "burger"]);
    assert_snapshot!("tickets_ambiguous_customer", fx.show(&out));
    let out = fx.run(&["tickets", "--limit", "many"]);
    assert_eq!(code(&out), 2);

    let fx = Fx::with_config("tech = \"Jane Tech\"\n");
    seed(&mut fx.store());
    let out = fx.run(&["tickets", "--mine"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("--mine needs your Syncro user id: add `user_id = <your id>` to"));
}

#[test]
fn a_missing_cache_says_how_to_get_one() {
    let fx = Fx::with_config(CONFIG);
    let out = fx.run(&["tickets"]);
    assert_snapshot!("missing_cache", fx.show(&out));
    assert!(!fx.db().exists(), "reading must not create the cache");
}

#[test]
fn a_missing_config_file_is_named() {
    let fx = Fx::new();
    let out = fx
        .cmd(&["tickets"])
        .env("SYNCRO_CONFIG", fx.path().join("nope.toml"))
        .write_stdin("")
        .output()
        .unwrap();
    assert_snapshot!("missing_config", fx.show(&out));
    let out = fx
        .cmd(&["--config", "/nonexistent/syncro.toml", "tickets"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("/nonexistent/syncro.toml"));
}

#[test]
fn ticket_detail_text() {
    let fx = Fx::new();
    let out = fx.run(&["ticket", "#32164"]);
    assert_snapshot!("ticket_text", fx.show(&out));
    let all = fx.run(&["ticket", "32164", "--comments", "all"]);
    assert_eq!(code(&all), 0);
    let text = stdout(&all);
    assert!(text.contains("Comments (newest first, 7)"));
    assert!(text.contains("Own cloud stopped syncing"));
    let resolved = fx.run(&["ticket", "32150"]);
    assert_snapshot!("ticket_resolved_text", fx.show(&resolved));
}

#[test]
fn ticket_detail_json() {
    let fx = Fx::new();
    let out = fx.run(&["ticket", "32164", "--json"]);
    assert_eq!(code(&out), 0);
    assert_snapshot!("ticket_json", stdout(&out));
}

#[test]
fn ticket_never_fetched_says_so() {
    let fx = Fx::new();
    let out = fx.run(&["ticket", "32180"]);
    assert_snapshot!("ticket_not_fetched", fx.show(&out));
    let v = json_out(&fx.run(&["ticket", "32180", "--json"]));
    assert_eq!(v["detail_synced"], false);
}

#[test]
fn ticket_errors() {
    let fx = Fx::new();
    let out = fx.run(&["ticket", "99999"]);
    assert_snapshot!("ticket_unknown", fx.show(&out));
    for bad in ["abc", "#", "@", "-4"] {
        let out = fx.run(&["ticket", bad]);
        assert_eq!(code(&out), 2, "{bad}: {}", fx.show(&out));
    }
    let out = fx.run(&["ticket", "@3"]);
    assert_eq!(code(&out), 1, "{}", fx.show(&out));
    assert!(stderr(&out).contains("@3: there is no outbox item 3"));
    assert_eq!(code(&fx.run(&["ticket", "32164", "--comments", "some"])), 2);
}

#[test]
fn ticket_shows_queued_writes_inline() {
    let fx = Fx::new();
    let mut store = fx.store();
    store
        .enqueue(NewItem::on_ticket(
            comment_cmd("Client is stable now.\nClosing tomorrow."),
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
            1001,
            32164,
        ))
        .unwrap();
    store
        .outbox_transition(
            held,
            &[State::Queued],
            State::Held,
            Change {
                last_error: Some(Some(
                    "conflict: the ticket changed on the server since you viewed it".into(),
                )),
                ..Default::default()
            },
        )
        .unwrap();
    let failed = store
        .enqueue(NewItem::on_ticket(
            Command::LineItem(LineItemWrite::Add {
                product_id: Some(9001),
                name: "Labor - Remote".into(),
                description: "Follow-up".into(),
                quantity: 0.25,
                price_retail: 125.0,
            }),
            1001,
            32164,
        ))
        .unwrap();
    store
        .outbox_transition(
            failed,
            &[State::Queued],
            State::Failed,
            Change {
                last_error: Some(Some("422: Name can't be blank".into())),
                ..Default::default()
            },
        )
        .unwrap();
    store
        .enqueue(NewItem::on_ticket(
            Command::Timer(TimerWrite::Charge { timer_id: 7001 }),
            1001,
            32164,
        ))
        .unwrap();
    store
        .enqueue(NewItem::on_ticket(
            Command::Invoice(InvoiceWrite::Create {}),
            1001,
            32164,
        ))
        .unwrap();
    // Done and cancelled writes are not pending.
    let done = store
        .enqueue(NewItem::on_ticket(comment_cmd("already sent"), 1001, 32164))
        .unwrap();
    store
        .outbox_transition(done, &[State::Queued], State::Done, Change::default())
        .unwrap();
    fx.pin_outbox_times();

    let out = fx.run(&["ticket", "32164"]);
    assert_snapshot!("ticket_with_pending", fx.show(&out));
    let v = json_out(&fx.run(&["ticket", "32164", "--json"]));
    let kinds: Vec<&str> = v["outbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "add_comment",
            "update_ticket",
            "add_line_item",
            "charge_timer",
            "create_invoice"
        ]
    );
    assert_eq!(v["outbox"][1]["state"], "held");
    assert_eq!(v["outbox"][2]["error"], "422: Name can't be blank");
}

#[test]
fn search_text_json_and_filters() {
    let fx = Fx::new();
    let out = fx.run(&["search", "sync", "client"]);
    assert_snapshot!("search_text", fx.show(&out));
    let out = fx.run(&["search", "--json", "fuser"]);
    assert_eq!(code(&out), 0);
    assert_snapshot!("search_json", stdout(&out));

    let numbers = |args: &[&str]| -> Vec<i64> {
        let mut a = vec!["search", "--json"];
        a.extend_from_slice(args);
        let out = fx.run(&a);
        assert_eq!(code(&out), 0, "{}", fx.show(&out));
        json_out(&out)["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers(&["\"mail profile\""]), vec![32170]);
    assert_eq!(numbers(&["outl*"]), vec![32170]);
    assert_eq!(numbers(&["printer"]), vec![32150]);
    assert_eq!(numbers(&["printer", "--status", "new"]), Vec::<i64>::new());
    assert_eq!(numbers(&["printer", "--status", "resolved"]), vec![32150]);
    // The customer's name is searchable too.
    let mut jerry = numbers(&["jerry"]);
    jerry.sort();
    assert_eq!(jerry, vec![32164, 32180]);
    assert_eq!(
        numbers(&["again", "--customer", "Burger Barn"]),
        vec![32150]
    );
    assert_eq!(numbers(&["again", "--customer", "10"]), vec![32164]);
    assert_eq!(numbers(&["again", "--since", "2026-03-06"]), vec![32164]);
    assert_eq!(
        numbers(&["again", "--since", "2026-03-09T17:00:00+00:00"]),
        Vec::<i64>::new()
    );
    assert_eq!(numbers(&["again", "--limit", "1"]).len(), 1);
}

#[test]
fn search_errors_and_no_hits() {
    let fx = Fx::new();
    let out = fx.run(&["search", "zebra"]);
    assert_snapshot!("search_no_hits", fx.show(&out));
    assert_eq!(code(&fx.run(&["search", "???"])), 2);
    assert_eq!(code(&fx.run(&["search"])), 2);
    assert_eq!(code(&fx.run(&["search", "x", "--since", "last week"])), 2);
    assert_eq!(code(&fx.run(&["search", "x", "--status", "bogus"])), 1);
}

#[test]
fn customers_and_customer() {
    let fx = Fx::new();
    assert_snapshot!("customers_text", fx.show(&fx.run(&["customers"])));
    let v = json_out(&fx.run(&["customers", "--all", "--json"]));
    assert_eq!(v["customers"].as_array().unwrap().len(), 4);
    let v = json_out(&fx.run(&["customers", "burger", "--json"]));
    assert_eq!(
        v["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["business_then_name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Burger Barn", "Jerry Burger"]
    );
    assert_snapshot!(
        "customer_text",
        fx.show(&fx.run(&["customer", "Jerry Burger"]))
    );
    let out = fx.run(&["customer", "10", "--json"]);
    assert_snapshot!("customer_json", stdout(&out));
    assert_snapshot!(
        "customer_ambiguous",
        fx.show(&fx.run(&["customer", "burger"]))
    );
    let out = fx.run(&["customer", "Nobody"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no customer matches \"Nobody\""));
    let out = fx.run(&["customer", "99"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no customer with id 99"));
}

#[test]
fn invoices_and_invoice() {
    let fx = Fx::new();
    assert_snapshot!("invoices_text", fx.show(&fx.run(&["invoices"])));
    let numbers = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["invoices", "--json"];
        a.extend_from_slice(args);
        json_out(&fx.run(&a))["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["number"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(numbers(&[]), ["1201", "1150", "1100"]);
    assert_eq!(numbers(&["--unpaid"]), ["1201", "1150"]);
    assert_eq!(numbers(&["--ticket", "#32150"]), ["1201"]);
    assert_eq!(numbers(&["--customer", "Jerry Burger"]), ["1150"]);
    let out = fx.run(&["invoices", "--ticket", "99999"]);
    assert_eq!(code(&out), 1);

    assert_snapshot!("invoice_text", fx.show(&fx.run(&["invoice", "1201"])));
    assert_snapshot!(
        "invoice_json",
        stdout(&fx.run(&["invoice", "#1201", "--json"]))
    );
    assert_snapshot!(
        "invoice_lines_not_fetched",
        fx.show(&fx.run(&["invoice", "1100"]))
    );
    let out = fx.run(&["invoice", "4040"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("invoice 4040 is not in the cache"));
    assert_eq!(code(&fx.run(&["invoice"])), 2);
}

#[test]
fn status_with_and_without_daemon() {
    let fx = Fx::new();
    assert_snapshot!("status_no_daemon", fx.show(&fx.run(&["status"])));
    fx.beat("2026-03-10T11:59:30.000Z");
    assert_snapshot!("status_daemon", fx.show(&fx.run(&["status"])));
    let out = fx.run(&["status", "--json"]);
    let v = json_out(&out);
    assert_eq!(v["daemon"]["alive"], true);
    assert_eq!(v["daemon"]["heartbeat"]["pid"], 4121);
    assert_eq!(v["outbox"]["queued"], 0);
    assert_eq!(v["resources"].as_array().unwrap().len(), 3);
    assert_eq!(v["schema_version"], syncro_store::SCHEMA_VERSION);
    // A beat older than three sync intervals is a dead daemon.
    fx.beat("2026-03-10T11:50:00.000Z");
    let v = json_out(&fx.run(&["status", "--json"]));
    assert_eq!(v["daemon"]["alive"], false);
}

/// `@ID` names the ticket a queued create makes: nothing to read until it
/// is created, then that ticket, for every read that takes a ticket.
#[test]
fn a_ticket_is_read_by_its_create_id_once_created() {
    let fx = Fx::new();
    let out = fx.run(&["create", "Jerry Burger", "Printer on fire", "--yes"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    for args in [
        &["ticket", "@1"][..],
        &["log", "@1"],
        &["invoices", "--ticket", "@1"],
    ] {
        let out = fx.run(args);
        assert_eq!(code(&out), 1, "{args:?}: {}", fx.show(&out));
        assert!(
            stderr(&out).contains(
                "@1: ticket \"Printer on fire\" is not created yet (outbox item 1 is queued)"
            ),
            "{args:?}: {}",
            fx.show(&out)
        );
    }
    let mut store = fx.store();
    store
        .outbox_transition(
            1,
            &[State::Queued],
            State::Done,
            Change {
                ticket: Some((1001, 32164)),
                ..Change::default()
            },
        )
        .unwrap();
    let out = fx.run(&["ticket", "@1"]);
    assert_eq!(code(&out), 0, "{}", fx.show(&out));
    assert!(stdout(&out).contains("#32164"), "{}", fx.show(&out));
    let by_ref = json_out(&fx.run(&["invoices", "--ticket", "@1", "--json"]));
    let by_number = json_out(&fx.run(&["invoices", "--ticket", "32164", "--json"]));
    assert_eq!(by_ref["invoices"], by_number["invoices"]);
    let out = fx.run(&["ticket", "@2"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("there is no outbox item 2"),
        "{}",
        fx.show(&out)
    );
}
