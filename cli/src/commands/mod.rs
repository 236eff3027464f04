//! One module per command family; [`run`] dispatches.

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;
use syncro_store::config::Config;

use crate::args::{Cli, Command, InvoiceCommand, TicketsArgs};
use crate::context::Ctx;

mod customers;
mod doctor;
mod init;
mod invoices;
pub(crate) mod labor;
mod log;
mod mcp;
pub(crate) mod outbox;
mod search;
mod status;
mod ticket;
mod tickets;
pub(crate) mod write;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let command = cli
        .command
        .unwrap_or(Command::Tickets(TicketsArgs::default()));
    let config_path = cli.config;
    let json = cli.json;
    let ctx = || -> Result<Ctx> { Ok(Ctx::new(Config::load(config_path.as_deref())?, json)) };
    match command {
        Command::Completions(a) => {
            let mut cmd = Cli::command();
            let mut out = Vec::new();
            clap_complete::generate(a.shell, &mut cmd, "syncro", &mut out);
            crate::render::print(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        // Diagnoses the config itself, so it loads it on its own.
        Command::Doctor => doctor::run(config_path.as_deref(), json),
        // Writes the config, so it reads it on its own too.
        Command::Init(a) => init::run(config_path.as_deref(), a, json),
        // Serves until the client hangs up; every call builds its own context.
        Command::Mcp(a) => mcp::run(config_path.as_deref(), a),
        Command::Tui(a) => crate::tui::run(config_path.as_deref(), a),
        Command::Tickets(a) => tickets::run(&ctx()?, a),
        Command::Ticket(a) => ticket::run(&ctx()?, a),
        Command::Search(a) => search::run(&ctx()?, a),
        Command::Customers(a) => customers::list(&ctx()?, a),
        Command::Customer(a) => customers::show(&ctx()?, a),
        Command::Invoices(a) => invoices::list(&ctx()?, a),
        Command::Invoice(a) => match (a.command, a.number) {
            (Some(InvoiceCommand::Create(c)), _) => write::invoice_create(&ctx()?, c),
            (None, Some(number)) => invoices::show(&ctx()?, &number),
            (None, None) => Err(crate::context::usage(
                "give an invoice number, or `invoice create TICKET`",
            )),
        },
        Command::Comment(a) => write::comment(&ctx()?, a),
        Command::Update(a) => write::update(&ctx()?, a),
        Command::Close(a) => write::close(&ctx()?, a),
        Command::Create(a) => write::create(&ctx()?, a),
        Command::Bill(a) => write::bill(&ctx()?, a),
        Command::Labor => labor::run(&ctx()?),
        Command::LineItem(a) => write::line_item(&ctx()?, a),
        Command::Timer(a) => write::timer(&ctx()?, a),
        Command::Outbox(a) => outbox::run(&ctx()?, a),
        Command::Undo => outbox::undo(&ctx()?),
        Command::Status => status::status(&ctx()?),
        Command::Sync(a) => status::sync(&ctx()?, a),
        Command::Log(a) => log::run(&ctx()?, a),
    }
}
