//! The write core: every write checked, described and queued the same
//! way for every front end (the CLI's `commands::write`, `syncro mcp`'s
//! `queue_*` tools, `syncro tui`), with one implementation and no
//! terminal.
//!
//! Nothing is queued unless every check passed: a write that is wrong is
//! refused here, where the user still is, not by the server minutes later
//! when no one watches.
//!
//! - each command family's module has a plain input struct (no clap) and
//!   `plan` functions that check it against the config and the cache and
//!   return a [`plan::Plan`]: the outbox rows, their preview, and warnings;
//! - [`plan::Plan::enqueue`] queues a plan, with no output and no questions;
//! - [`wait::wait`] follows queued rows to a typed [`wait::WaitOutcome`];
//! - [`outbox::act`] cancels, releases or retries a queued write;
//! - [`refresh::request`] asks syncrod to refresh now, and follows it.
//!
//! The front ends turn their arguments into the input, and show, confirm
//! and report in their own way (the CLI: `commands::write::execute`).

pub mod bill;
pub mod comment;
mod input;
pub mod invoice;
pub mod line_item;
pub mod outbox;
pub mod plan;
pub mod refresh;
pub mod ticket;
pub mod timer;
pub mod wait;

/// The front-end-neutral API on its own: plan from typed input, queue,
/// wait; no terminal anywhere.
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use syncro_store::config::{Config, Env};
    use syncro_store::model::Customer;
    use syncro_store::outbox::{Command, CommentWrite, InvoiceWrite, LineItemWrite, TicketWrite};
    use syncro_store::Store;

    use super::bill::BillInput;
    use super::comment::CommentInput;
    use super::plan::Queued;
    use super::ticket::CreateInput;
    use super::wait::WaitOutcome;
    use crate::context::{Ctx, LazyStore};
    use crate::ticket_ref::TicketRef;

    struct NoEnv;

    impl Env for NoEnv {
        fn var(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn ctx(dir: &std::path::Path) -> Ctx {
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            format!(
                "tech = \"Jane Tech\"\ndb_path = {:?}\n\n[labor.remote]\nproduct_id = 9001\nrate = 125.0\n",
                dir.join("cache.db")
            ),
        )
        .unwrap();
        Ctx::new(Config::load_with(Some(&path), &NoEnv).unwrap(), false)
    }

    #[test]
    fn plans_queue_and_wait_without_a_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(dir.path());
        let mut store = Store::open(&ctx.config.db_path).unwrap();
        let customer = serde_json::json!({"id": 10, "firstname": "Jerry", "lastname": "Burger"});
        store
            .upsert_customers(&[Customer::from_json(&customer).unwrap()])
            .unwrap();

        let create = super::ticket::plan_create(
            &ctx,
            &store,
            CreateInput {
                customer: "Jerry Burger".into(),
                subject: "Printer offline".into(),
                problem_type: None,
                priority: None,
                body: None,
            },
        )
        .unwrap();
        assert_eq!(create.title(), "New ticket for Jerry Burger");
        assert_eq!(create.target(), "a new ticket");
        let Queued { ids, group, .. } = create.enqueue(&mut store, None).unwrap();
        assert_eq!((ids.as_slice(), group), (&[1][..], None));

        let bill = super::bill::plan(
            &ctx,
            &store,
            BillInput {
                ticket: TicketRef::Pending(1),
                minutes: 45,
                labor: "remote".into(),
                rate: None,
                comment: Some("Replaced the toner".into()),
                subject: None,
                hidden: false,
                do_not_email: false,
            },
        )
        .unwrap();
        let kinds: Vec<&str> = bill
            .steps()
            .iter()
            .map(|s| match s.command() {
                Command::Comment(CommentWrite::Add { .. }) => "comment",
                Command::LineItem(LineItemWrite::Add { .. }) => "line item",
                Command::Invoice(InvoiceWrite::Create { .. }) => "invoice",
                Command::Ticket(TicketWrite::Update { .. }) => "status",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["comment", "line item", "invoice", "status"]);
        assert!(
            bill.preview()
                .contains("line item \"Labor - Remote\": 0.75 h x $125.00/h = $93.75"),
            "{}",
            bill.preview()
        );
        assert!(bill.warnings().is_empty());
        let queued = bill.enqueue(&mut store, None).unwrap();
        assert_eq!(queued.ids, [2, 3, 4, 5]);
        assert_eq!(queued.group.as_deref(), Some("bill-2"));

        let waited = super::wait::wait(&store, &queued.ids, Duration::ZERO).unwrap();
        assert_eq!(waited.items.len(), 4);
        assert!(
            matches!(&waited.outcome, WaitOutcome::TimedOut(i) if i.id == 2),
            "{:?}",
            waited.outcome
        );
        store.outbox_cancel(1, false).unwrap();
        let waited = super::wait::wait(&store, &queued.ids, Duration::ZERO).unwrap();
        assert!(
            matches!(&waited.outcome, WaitOutcome::NeedsAttention(i) if i.id == 1),
            "the create the bill waits on was cancelled: {:?}",
            waited.outcome
        );
    }

    #[test]
    fn errors_are_the_cli_ones_and_input_errors_come_before_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(dir.path());
        // No cache yet: the input is still checked first.
        let err = super::bill::plan(
            &ctx,
            &LazyStore::new(&ctx),
            BillInput {
                ticket: TicketRef::Number(32164),
                minutes: 0,
                labor: "remote".into(),
                rate: None,
                comment: None,
                subject: None,
                hidden: false,
                do_not_email: false,
            },
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--minutes must be positive, not 0; nothing queued"
        );

        let store = Store::open(&ctx.config.db_path).unwrap();
        let err = super::comment::plan(
            &ctx,
            &store,
            CommentInput {
                ticket: TicketRef::Number(32164),
                subject: "Update".into(),
                body: Some("hello".into()),
                hidden: false,
                do_not_email: false,
                tech: None,
            },
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ticket #32164 is not in the cache"),
            "{err}"
        );
    }
}
