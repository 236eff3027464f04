//! `syncro` end to end on a fixture cache in a temp dir: every command's
//! text and JSON output (insta snapshots), every validation error, the
//! confirmation rules, and `--wait` against rows flipped from the test.
//!
//! Output is made deterministic with TZ=UTC and SYNCRO_NOW; SYNCRO_CONFIG
//! and SYNCRO_DB point into the temp dir so the real home is never touched.
//!
//! One test binary, one module per area; `cargo test -p syncro-cli --test
//! cli writes::` runs one of them.

#[path = "../fixture/mod.rs"]
mod fixture;

/// `insta::assert_snapshot!`, keeping the snapshots' names and place.
///
/// insta names a snapshot after the module that asserts it
/// (`cli__writes__comment_queued.snap`) and keeps it next to that module's
/// file (`cli/tests/cli/snapshots/`). These snapshots were named when the
/// tests were one file, and stay where the other CLI test binaries keep
/// theirs: `cli/tests/snapshots/cli__comment_queued.snap`.
macro_rules! assert_snapshot {
    ($name:literal, $value:expr $(,)?) => {
        insta::with_settings!({
            prepend_module_to_snapshot => false,
            snapshot_path => "../snapshots",
        }, {
            insta::assert_snapshot!(concat!("cli__", $name), $value)
        })
    };
}

/// `insta::assert_json_snapshot!`, named and placed as [`assert_snapshot!`].
macro_rules! assert_json_snapshot {
    ($name:literal, $value:expr $(,)?) => {
        insta::with_settings!({
            prepend_module_to_snapshot => false,
            snapshot_path => "../snapshots",
        }, {
            insta::assert_json_snapshot!(concat!("cli__", $name), $value)
        })
    };
}

mod doctor;
mod freshness;
mod labor;
mod mcp;
mod outbox;
mod reads;
mod terminal;
mod tui;
mod wait;
mod writes;
