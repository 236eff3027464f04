//! Store behaviour on real temporary databases.
//!
//! One test binary for the whole store, so the suite links one binary,
//! not six: the cache and search here, the outbox state machine in
//! `outbox`, the parsers' property tests in `fuzz`. Each area is a run of
//! tests named for what it proves.

mod fuzz;
mod outbox;

use serde_json::{json, Value};
use syncro_store::model::{
    list_items, single, Comment, Customer, Invoice, InvoiceWithLines, Ticket, TicketWithChildren,
};
use syncro_store::{time, SearchFilter, Store, TicketFilter};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("cache.db")).unwrap();
    (dir, store)
}

fn ticket(id: i64, number: i64, subject: &str, status: &str, customer: &str) -> Value {
    json!({
        "id": id, "number": number, "subject": subject, "status": status,
        "customer_id": id * 10, "customer_business_then_name": customer,
        "problem_type": "Email", "created_at": "2026-01-01T10:00:00Z",
        "updated_at": format!("2026-01-0{}T10:00:00.000Z", (id % 9) + 1),
    })
}

fn detail(base: Value, comments: Value) -> TicketWithChildren {
    let mut v = base;
    v["comments"] = comments;
    TicketWithChildren::from_json(&v).unwrap()
}

/// Every row of every cache table, for "nothing changed" comparisons.
fn dump(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut out = Vec::new();
    for table in [
        "customers",
        "tickets",
        "comments",
        "ticket_line_items",
        "ticket_timers",
        "invoices",
        "invoice_line_items",
        "ticket_fts",
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{table}: {}", cells.join("|")))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

#[test]
fn spec_examples_deserialize_and_round_trip() {
    let (_dir, mut store) = temp_store();

    let body = fixture("customers_list");
    let (items, meta) = list_items(&body, "customers").unwrap();
    assert_eq!(meta.total_entries, Some(1));
    let customers: Vec<Customer> = items
        .iter()
        .map(|c| Customer::from_json(c).unwrap())
        .collect();
    store.upsert_customers(&customers).unwrap();
    assert_eq!(
        store.customer(1).unwrap().unwrap().business_then_name,
        "Walkin Customer"
    );

    let body = fixture("tickets_list");
    let (items, meta) = list_items(&body, "tickets").unwrap();
    assert_eq!(meta.total_pages, Some(1));
    let tickets: Vec<Ticket> = items
        .iter()
        .map(|t| Ticket::from_json(t).unwrap())
        .collect();
    store.upsert_tickets(&tickets, &[]).unwrap();
    let t = store.ticket_by_number(1).unwrap().unwrap();
    assert_eq!(
        (t.subject.as_str(), t.status.as_str()),
        ("Some major problem", "New")
    );
    assert_eq!(t.priority, None);

    let body = fixture("ticket_detail");
    let d = TicketWithChildren::from_json(single(&body, "ticket")).unwrap();
    assert_eq!(d.customer.as_ref().map(|c| c.id), Some(1));
    store.upsert_ticket_detail(&d).unwrap();
    let shown = store.ticket_detail(4).unwrap().unwrap();
    assert!(shown.detail_synced);
    assert_eq!(shown.ticket.user_name.as_deref(), Some("Bat Man"));

    let body = fixture("comments_list");
    let (items, _) = list_items(&body, "comments").unwrap();
    let c = Comment::from_json(&items[0], 1).unwrap();
    assert_eq!(
        (c.body.as_str(), c.tech.as_deref()),
        ("Test Body", Some("Test Tech"))
    );
    store.upsert_tickets(&[], &[c]).unwrap();
    assert_eq!(store.comments(1).unwrap().len(), 1);

    let body = fixture("invoices_list");
    let (items, _) = list_items(&body, "invoices").unwrap();
    let invoices: Vec<Invoice> = items
        .iter()
        .map(|i| Invoice::from_json(i).unwrap())
        .collect();
    store.upsert_invoices(&invoices).unwrap();
    assert_eq!(store.invoices_needing_lines(10).unwrap(), vec![6]);

    let body = fixture("invoice_detail");
    let inv = InvoiceWithLines::from_json(single(&body, "invoice")).unwrap();
    store.upsert_invoice_detail(&inv).unwrap();
    let shown = store.invoice_detail("4444").unwrap().unwrap();
    assert_eq!(shown.line_items.len(), 1);
    assert_eq!(shown.line_items[0].price_cents, 12500);
    assert_eq!(shown.invoice.total_cents, 6250);
    assert_eq!(shown.invoice.ticket_number, Some(1));
    assert!(store.invoices_needing_lines(10).unwrap().is_empty());
}

#[test]
fn nulls_and_missing_optional_fields_do_not_fail() {
    let t = Ticket::from_json(
        &json!({"id": 1, "number": "7", "subject": null, "status": null,
        "customer_id": null, "updated_at": "garbage", "comments": null, "extra": {"x": 1}}),
    )
    .unwrap();
    assert_eq!(
        (t.number, t.subject.as_str(), t.updated_at.clone()),
        (7, "", None)
    );
    let d = TicketWithChildren::from_json(&json!({"id": 1, "number": 2, "comments": null,
        "line_items": null, "customer": "not an object"}))
    .unwrap();
    assert!(d.comments.is_empty() && d.customer.is_none());
    let i = Invoice::from_json(&json!({"id": 1, "subtotal": null, "total": "abc"})).unwrap();
    assert_eq!(i.total_cents, 0);
}

#[test]
fn upserting_the_same_page_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let mut store = Store::open(&path).unwrap();
    let page: Vec<Ticket> = (1..=5)
        .map(|i| Ticket::from_json(&ticket(i, 100 + i, "Printer jam", "New", "Acme")).unwrap())
        .collect();
    let d = detail(
        ticket(1, 101, "Printer jam", "New", "Acme"),
        json!([{"id": 9, "subject": "Update", "body": "Replaced the fuser", "created_at": "2026-01-01T11:00:00Z"}]),
    );
    store.upsert_tickets(&page, &[]).unwrap();
    store.upsert_ticket_detail(&d).unwrap();
    let before = dump(&path);
    store.upsert_tickets(&page, &[]).unwrap();
    store.upsert_ticket_detail(&d).unwrap();
    assert_eq!(before, dump(&path));
    assert_eq!(store.ticket_ids().unwrap().len(), 5);
}

#[test]
fn list_upsert_keeps_the_thread_and_detail_replaces_it_exactly() {
    let (_dir, mut store) = temp_store();
    let base = ticket(1, 101, "VPN drops", "New", "Acme");
    store
        .upsert_ticket_detail(&detail(
            base.clone(),
            json!([{"id": 1, "body": "first"}, {"id": 2, "body": "second"}]),
        ))
        .unwrap();
    // The list payload carries only the initial comment: keep the others.
    store
        .upsert_tickets(&[Ticket::from_json(&base).unwrap()], &[])
        .unwrap();
    assert_eq!(store.comments(1).unwrap().len(), 2);
    // A detail without comment 2 means the server removed it.
    store
        .upsert_ticket_detail(&detail(base, json!([{"id": 1, "body": "first"}])))
        .unwrap();
    assert_eq!(store.comments(1).unwrap().len(), 1);
}

#[test]
fn detail_staleness_tracks_updated_at() {
    let (_dir, mut store) = temp_store();
    let mut base = ticket(1, 101, "VPN drops", "New", "Acme");
    store
        .upsert_tickets(&[Ticket::from_json(&base).unwrap()], &[])
        .unwrap();
    assert_eq!(store.tickets_needing_detail(10, false).unwrap(), vec![1]);
    store
        .upsert_ticket_detail(&detail(base.clone(), json!([])))
        .unwrap();
    assert!(store.tickets_needing_detail(10, false).unwrap().is_empty());
    base["updated_at"] = json!("2026-02-01T00:00:00Z");
    store
        .upsert_tickets(&[Ticket::from_json(&base).unwrap()], &[])
        .unwrap();
    assert_eq!(store.tickets_needing_detail_count().unwrap(), 1);
}

/// A thread someone asked to refresh (`request_sync` for one ticket) is
/// read before the backlog, closed or not, and reads as fetched meanwhile.
#[test]
fn a_requested_thread_goes_first_and_stays_readable() {
    let (_dir, mut store) = temp_store();
    let open = ticket(1, 101, "VPN drops", "New", "Acme");
    let mut closed = ticket(2, 102, "Old printer", "Closed", "Acme");
    closed["updated_at"] = json!("2025-01-01T00:00:00Z");
    let rows: Vec<Ticket> = [&open, &closed]
        .iter()
        .map(|t| Ticket::from_json(t).unwrap())
        .collect();
    store.upsert_tickets(&rows, &[]).unwrap();
    assert_eq!(store.tickets_needing_detail(10, false).unwrap(), vec![1, 2]);
    store
        .upsert_ticket_detail(
            &detail(closed, json!([{"id": 7, "body": "done"}]))
                .fetched_at("2026-02-02T00:00:00Z".into()),
        )
        .unwrap();
    assert_eq!(store.tickets_needing_detail(10, true).unwrap(), vec![1]);
    assert!(store.refetch_ticket_detail(102).unwrap());
    assert_eq!(store.tickets_needing_detail(10, false).unwrap(), vec![2, 1]);
    assert_eq!(store.tickets_needing_detail(10, true).unwrap(), vec![2, 1]);
    let d = store.ticket_detail(102).unwrap().unwrap();
    assert!(d.detail_synced);
    assert_eq!(d.comments.len(), 1);
    assert!(!store.refetch_ticket_detail(999).unwrap());
}

/// A pass that fetched a thread before someone asked for it again, and
/// stores it after, leaves the request standing: the next pass fetches
/// it anew (what `syncro sync N --wait` waits for).
#[test]
fn a_thread_fetched_before_the_request_does_not_answer_it() {
    let (_dir, mut store) = temp_store();
    let open = ticket(1, 101, "VPN drops", "New", "Acme");
    store
        .upsert_tickets(&[Ticket::from_json(&open).unwrap()], &[])
        .unwrap();
    store
        .upsert_ticket_detail(&detail(open.clone(), json!([])).fetched_at(time::now()))
        .unwrap();
    assert!(store.tickets_needing_detail(10, false).unwrap().is_empty());
    let in_flight = time::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert!(store.refetch_ticket_detail(101).unwrap());
    let stale = json!([{"id": 7, "body": "before the request"}]);
    store
        .upsert_ticket_detail(&detail(open.clone(), stale).fetched_at(in_flight.clone()))
        .unwrap();
    let d = store.ticket_detail(101).unwrap().unwrap();
    assert_eq!(d.comments.len(), 1, "the older thread is still stored");
    assert_eq!(d.thread_fetched_at.as_deref(), Some(in_flight.as_str()));
    assert_eq!(store.tickets_needing_detail(10, false).unwrap(), vec![1]);
    store
        .upsert_ticket_detail(&detail(open, json!([])).fetched_at(time::now()))
        .unwrap();
    assert!(store.tickets_needing_detail(10, false).unwrap().is_empty());
}

#[test]
fn search_finds_comment_words_customers_and_prefixes() {
    let (_dir, mut store) = temp_store();
    store
        .upsert_customers(&[
            Customer::from_json(&json!({"id": 10, "business_name": "Burger Barn",
            "firstname": "Jerry", "lastname": "Burger"}))
            .unwrap(),
        ])
        .unwrap();
    store
        .upsert_ticket_detail(&detail(
            ticket(1, 101, "Cannot print", "New", "Burger Barn"),
            json!([{"id": 1, "subject": "Update", "body": "The toner cartridge was counterfeit"}]),
        ))
        .unwrap();
    store
        .upsert_ticket_detail(&detail(
            ticket(
                2,
                102,
                "Outlook keeps asking for password",
                "In Progress",
                "Dental Partners",
            ),
            json!([{"id": 2, "subject": "Initial", "body": "Rebuilt the mail profile"}]),
        ))
        .unwrap();
    let f = SearchFilter::default();
    let hits = store.search("counterfeit", &f).unwrap().hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].ticket.number, 101);
    assert!(
        hits[0].snippet.contains("[counterfeit]"),
        "{}",
        hits[0].snippet
    );
    let hits = store.search("jerry", &f).unwrap().hits;
    assert_eq!(
        hits.iter().map(|h| h.ticket.number).collect::<Vec<_>>(),
        vec![101]
    );
    let hits = store.search("outl*", &f).unwrap().hits;
    assert_eq!(
        hits.iter().map(|h| h.ticket.number).collect::<Vec<_>>(),
        vec![102]
    );
    let hits = store.search("\"mail profile\"", &f).unwrap().hits;
    assert_eq!(hits.len(), 1);
    let filtered = SearchFilter {
        status: Some("New".into()),
        ..SearchFilter::default()
    };
    assert!(store.search("outlook", &filtered).unwrap().hits.is_empty());
    assert!(store.search("???", &f).is_err());
    store.delete_tickets(&[2]).unwrap();
    assert!(store.search("outlook", &f).unwrap().hits.is_empty());
}

#[test]
fn a_very_common_word_ranks_only_the_newest_matches() {
    let (_dir, mut store) = temp_store();
    // Ticket 1, the oldest, is the best match by far; 2..=30 match weakly.
    let mut page = vec![Ticket::from_json(&ticket(
        1,
        101,
        "Mailbox mailbox mailbox full",
        "New",
        "Acme",
    ))
    .unwrap()];
    for id in 2..=30 {
        let status = if id % 2 == 0 { "In Progress" } else { "New" };
        page.push(
            Ticket::from_json(&ticket(
                id,
                100 + id,
                &format!("Printer {id} and its long mailbox setup question"),
                status,
                "Acme",
            ))
            .unwrap(),
        );
    }
    store.upsert_tickets(&page, &[]).unwrap();
    let numbers = |r: &syncro_store::SearchResults| {
        r.hits.iter().map(|h| h.ticket.number).collect::<Vec<_>>()
    };

    let every = SearchFilter {
        rank_window: None,
        limit: 5,
        ..SearchFilter::default()
    };
    let r = store.search("mailbox", &every).unwrap();
    assert_eq!(
        numbers(&r)[0],
        101,
        "ranking every match finds the old best one"
    );
    assert!(!r.windowed);

    let newest = SearchFilter {
        rank_window: Some(10),
        limit: 50,
        ..SearchFilter::default()
    };
    let r = store.search("mailbox", &newest).unwrap();
    assert!(r.windowed);
    let mut got = numbers(&r);
    got.sort();
    assert_eq!(
        got,
        (121..=130).collect::<Vec<_>>(),
        "exactly the 10 newest matches"
    );

    // A window as large as the match count leaves nothing out.
    let exact = SearchFilter {
        rank_window: Some(30),
        ..SearchFilter::default()
    };
    let r = store.search("mailbox", &exact).unwrap();
    assert!(!r.windowed);
    assert_eq!(numbers(&r)[0], 101);

    // Filters narrow first, then the window applies to what is left.
    let filtered = SearchFilter {
        status: Some("In Progress".into()),
        ..newest
    };
    let r = store.search("mailbox", &filtered).unwrap();
    assert!(r.windowed, "15 tickets in progress match");
    let mut got = numbers(&r);
    got.sort();
    assert_eq!(got, (112..=130).step_by(2).collect::<Vec<_>>());
}

#[test]
fn open_tickets_exclude_closed_statuses() {
    let (_dir, mut store) = temp_store();
    let page: Vec<Ticket> = [
        ("New", 1),
        ("Resolved", 2),
        ("Invoiced", 3),
        ("In Progress", 4),
    ]
    .iter()
    .map(|(s, i)| Ticket::from_json(&ticket(*i, 100 + i, "x", s, "Acme")).unwrap())
    .collect();
    store.upsert_tickets(&page, &[]).unwrap();
    let open = store.tickets(&TicketFilter::default()).unwrap();
    assert_eq!(
        open.iter().map(|t| t.number).collect::<Vec<_>>(),
        vec![104, 101]
    );
    let all = store
        .tickets(&TicketFilter {
            include_closed: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 4);
}

/// Who wrote last: the customer's newest visible comment (no Syncro user)
/// and the staff's newest, per ticket; a hidden note is never the
/// customer's, and a ticket with no cached comment is absent.
#[test]
fn last_writers_tell_the_customer_from_the_staff() {
    let (_dir, mut store) = temp_store();
    let base = ticket(1, 101, "VPN", "New", "Acme");
    let other = ticket(2, 102, "Mail", "New", "Acme");
    store
        .upsert_tickets(&[Ticket::from_json(&other).unwrap()], &[])
        .unwrap();
    store
        .upsert_ticket_detail(&detail(
            base,
            json!([
                {"id": 1, "body": "help", "created_at": "2026-01-01T10:00:00Z", "user_id": null},
                {"id": 2, "body": "on it", "created_at": "2026-01-01T11:00:00Z", "user_id": 7},
                {"id": 3, "body": "thanks", "created_at": "2026-01-01T12:00:00Z", "user_id": null},
                {"id": 4, "body": "note", "created_at": "2026-01-01T13:00:00Z", "user_id": null, "hidden": true},
            ]),
        ))
        .unwrap();
    let last = store.last_writers(&[1, 2]).unwrap();
    let one = &last[&1];
    assert_eq!(one.customer.as_deref(), Some("2026-01-01T12:00:00.000Z"));
    assert_eq!(one.staff.as_deref(), Some("2026-01-01T11:00:00.000Z"));
    assert!(!last.contains_key(&2));
}

/// The ticket screen's filter words: each is part of the status, the
/// customer or the assignee, in any ASCII case; words with other letters
/// are left to the caller.
#[test]
fn filter_words_match_status_customer_or_assignee_in_any_case() {
    let (_dir, mut store) = temp_store();
    let mut jane = ticket(1, 101, "VPN", "In Progress", "Burger Barn");
    jane["user"] = json!({"id": 7, "full_name": "Jane Tech"});
    jane["user_id"] = json!(7);
    let rows: Vec<Ticket> = [
        jane,
        ticket(2, 102, "Printer", "New", "Burger Barn"),
        ticket(3, 103, "Mail", "In Progress", "Café Ölmühle"),
        ticket(4, 104, "Old", "Closed", "Burger Barn"),
    ]
    .iter()
    .map(|t| Ticket::from_json(t).unwrap())
    .collect();
    store.upsert_tickets(&rows, &[]).unwrap();
    let numbers = |words: &[&str]| -> Vec<i64> {
        let mut n: Vec<i64> = store
            .tickets(&TicketFilter {
                words: words.iter().map(|w| w.to_string()).collect(),
                by_activity: true,
                ..Default::default()
            })
            .unwrap()
            .iter()
            .map(|t| t.number)
            .collect();
        n.sort();
        n
    };
    assert_eq!(numbers(&["BURGER"]), vec![101, 102]);
    assert_eq!(numbers(&["burger", "progress"]), vec![101]);
    assert_eq!(numbers(&["jane"]), vec![101]);
    assert_eq!(numbers(&["caf", "in prog"]), vec![103]);
    assert_eq!(numbers(&["nobody"]), Vec::<i64>::new());
    // Not ASCII: not the store's to match.
    assert_eq!(numbers(&["ölmühle"]), vec![101, 102, 103]);
}

#[test]
fn a_reader_is_not_blocked_by_a_writer_holding_a_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let mut store = Store::open(&path).unwrap();
    store
        .upsert_tickets(
            &[Ticket::from_json(&ticket(1, 101, "x", "New", "Acme")).unwrap()],
            &[],
        )
        .unwrap();
    let writer = rusqlite::Connection::open(&path).unwrap();
    writer
        .execute_batch("BEGIN IMMEDIATE; UPDATE tickets SET subject = 'changed';")
        .unwrap();
    let reader = Store::open(&path).unwrap();
    let started = std::time::Instant::now();
    let t = reader.ticket_by_number(101).unwrap().unwrap();
    // Not a timing assertion: a blocked reader would wait the full busy
    // timeout (10 s) and then fail, and it would not see the old value.
    assert_eq!(t.subject, "x");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    writer.execute_batch("COMMIT").unwrap();
    assert_eq!(
        reader.ticket_by_number(101).unwrap().unwrap().subject,
        "changed"
    );
}

#[test]
fn an_unusable_data_dir_or_cache_path_is_a_clear_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // The data "directory" is a file: nothing can be created under it
    // (unlike chmod, this holds even for root).
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").unwrap();
    let err = Store::open(blocker.join("cache.db"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not-a-dir"), "{err}");
    // The cache path is a directory.
    let as_dir = dir.path().join("cache.db");
    std::fs::create_dir(&as_dir).unwrap();
    let err = Store::open(&as_dir).err().unwrap().to_string();
    assert!(err.contains("cache.db"), "{err}");
}

#[test]
fn an_older_thread_never_replaces_a_newer_one() {
    let (_dir, mut store) = temp_store();
    let base = ticket(1, 100, "Printer", "New", "Acme");
    // The outbox's read-back, requested at 10:00:05, holds our new comment.
    let fresh = detail(
        base.clone(),
        json!([{"id": 1, "body": "first"}, {"id": 2, "body": "ours, just verified"}]),
    )
    .fetched_at("2026-12-01T10:00:05.000Z".into());
    store.upsert_ticket_detail(&fresh).unwrap();
    // The sync engine's fetch, requested at 10:00:01, arrives afterwards.
    let stale = detail(base.clone(), json!([{"id": 1, "body": "first"}]))
        .fetched_at("2026-12-01T10:00:01.000Z".into());
    store.upsert_ticket_detail(&stale).unwrap();
    let d = store.ticket_detail(100).unwrap().unwrap();
    assert_eq!(d.comments.len(), 2, "the stale thread dropped our comment");
    // A later fetch does replace it.
    let later = detail(base, json!([{"id": 1, "body": "first"}]))
        .fetched_at("2026-12-01T10:00:09.000Z".into());
    store.upsert_ticket_detail(&later).unwrap();
    assert_eq!(store.ticket_detail(100).unwrap().unwrap().comments.len(), 1);
}

#[test]
fn the_open_thread_safety_net_picks_the_stalest_open_threads() {
    let (_dir, mut store) = temp_store();
    let at = |d: TicketWithChildren, when: &str| d.fetched_at(when.to_string());
    let t = |id, status| detail(ticket(id, 100 + id, "s", status, "Acme"), json!([]));
    store
        .upsert_ticket_detail(&at(t(1, "New"), "2026-12-01T09:00:00.000Z"))
        .unwrap();
    store
        .upsert_ticket_detail(&at(t(2, "In Progress"), "2026-12-01T08:00:00.000Z"))
        .unwrap();
    store
        .upsert_ticket_detail(&at(t(3, "Closed"), "2026-12-01T07:00:00.000Z"))
        .unwrap();
    store
        .upsert_ticket_detail(&at(t(4, "New"), "2026-12-01T11:59:00.000Z"))
        .unwrap();
    let ids = store
        .open_tickets_stalest_threads(10, "2026-12-01T11:50:00.000Z")
        .unwrap();
    // Open only, stalest first, none read after the cut-off.
    assert_eq!(ids, vec![2, 1]);
    assert_eq!(
        store
            .open_tickets_stalest_threads(1, "2026-12-01T11:50:00.000Z")
            .unwrap(),
        vec![2]
    );
}
