//! The generated cache the benchmarks read: BENCH_TICKETS tickets with 10
//! comments each (100k tickets: 1M comments), built without HTTP, straight
//! from the simulator's generator through the store's own upserts, as
//! syncrod would after a full mirror. Kept in
//! target/bench-data/search-<N>.db (delete it to rebuild), so every bench
//! of a run (search, mcp) reads the same file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use syncro_sim::{SimConfig, FIRST_TICKET_ID};
use syncro_store::model::{single, Customer, InvoiceWithLines, TicketWithChildren};
use syncro_store::Store;

const BATCH: usize = 500;

/// The cache of `tickets` tickets, built first if it is not there yet.
pub fn cached(tickets: usize) -> PathBuf {
    let dir = target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench-data dir");
    let db = dir.join(format!("search-{tickets}.db"));
    if db.exists() {
        eprintln!("using the cached {}", db.display());
    } else {
        eprintln!("building {} (once; cached afterwards)", db.display());
        build_db(&db, tickets);
    }
    db
}

/// target/ (a bench binary is target/release/deps/NAME-HASH).
fn target_dir() -> PathBuf {
    let syncro = crate::bin("syncro");
    syncro
        .parent()
        .and_then(Path::parent)
        .expect("target directory")
        .to_path_buf()
}

fn remove_db_files(db: &Path) {
    for suffix in ["", "-wal", "-shm", ".wake"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Generates the shop and writes it through the store, as syncrod would
/// after a full mirror.
fn build_db(db: &Path, tickets: usize) {
    let t0 = Instant::now();
    let config = SimConfig {
        seed: 2024,
        tickets,
        comments_per_ticket: 10,
        customers: (tickets / 20).max(10),
        invoices: (tickets / 10).max(10),
        rate_limit_per_minute: 0,
        ..SimConfig::default()
    };
    let state = syncro_sim::generate(&config);
    eprintln!(
        "  generated {} tickets, {} comments, {} customers, {} invoices in {:.1?}",
        state.ticket_count(),
        state.comment_count(),
        state.customer_count(),
        state.invoice_count(),
        t0.elapsed()
    );

    let tmp = db.with_extension("db.tmp");
    remove_db_files(&tmp);
    let mut store = Store::open(&tmp).expect("create the bench cache");

    let t1 = Instant::now();
    let customers: Vec<Customer> = (1..=state.customer_count() as u64)
        .filter_map(|id| state.get_customer(id).ok())
        .map(|v| Customer::from_json(single(&v, "customer")).expect("customer"))
        .collect();
    assert_eq!(
        customers.len(),
        state.customer_count(),
        "customer ids 1..=N"
    );
    for chunk in customers.chunks(BATCH) {
        store.upsert_customers(chunk).expect("upsert customers");
    }

    // Ticket ids start at FIRST_TICKET_ID and have small gaps.
    let mut batch = Vec::with_capacity(BATCH);
    let (mut found, mut id) = (0, FIRST_TICKET_ID);
    while found < state.ticket_count() {
        assert!(
            id < FIRST_TICKET_ID + 10 * tickets as u64 + 100,
            "ticket ids"
        );
        if let Ok(v) = state.get_ticket(id) {
            batch.push(TicketWithChildren::from_json(single(&v, "ticket")).expect("ticket"));
            found += 1;
            if batch.len() == BATCH {
                store.upsert_ticket_details(&batch).expect("upsert tickets");
                batch.clear();
                if found % 10_000 == 0 {
                    eprintln!("  {found} tickets stored ({:.0?})", t1.elapsed());
                }
            }
        }
        id += 1;
    }
    store.upsert_ticket_details(&batch).expect("upsert tickets");

    let invoices: Vec<InvoiceWithLines> = (1..=state.invoice_count() as u64)
        .filter_map(|id| state.get_invoice(&id.to_string()).ok())
        .map(|v| InvoiceWithLines::from_json(single(&v, "invoice")).expect("invoice"))
        .collect();
    for chunk in invoices.chunks(BATCH) {
        store
            .upsert_invoice_details(chunk)
            .expect("upsert invoices");
    }
    drop(store);
    drop(state);

    // Fold the WAL into the file so the cached copy is one file.
    let conn = rusqlite::Connection::open(&tmp).expect("reopen");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    drop(conn);
    remove_db_files(db);
    std::fs::rename(&tmp, db).expect("move the bench cache into place");
    remove_db_files(&tmp);
    eprintln!("  stored in {:.1?}", t1.elapsed());
}

/// Queries as a user types them. The generated text has a small
/// vocabulary, so at 100k tickets: a common word (in ~25% of tickets), a
/// middling one (~5%), the rarest real word (~1.2%), a prefix, a phrase,
/// and two words. The search and MCP benches both run these.
pub const QUERIES: [&str; 6] = [
    "mailbox",
    "printer",
    "ricoh",
    "outl*",
    "\"shared mailbox\"",
    "outlook profile",
];
