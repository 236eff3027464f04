//! End-to-end tests of the simulator over real HTTP: one test binary, one
//! simulator per test on port 0.

mod admin;
mod billing;
mod binary;
mod comments;
mod customers;
mod faults;
mod golden;
mod invoices;
mod limits;
mod quirks;
mod shape;
mod support;
mod tickets;
