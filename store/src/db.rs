//! Opening the cache: the one place that decides how SQLite is configured.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{StoreError, StoreResult};

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// The newest migration this build knows. A database stamped with a newer
/// one was written by a newer syncro and is refused rather than misread.
pub const SCHEMA_VERSION: i64 = 7;

/// How long a statement waits for another process's write lock. The daemon
/// commits one page at a time, so real waits are milliseconds; this bound
/// only matters when something is badly stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to the cache with the schema applied.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed, with mode 0600) and migrates the cache.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        create_private(&path)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        let mut store = Store { conn, path };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// The file this store was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&mut self) -> StoreResult<()> {
        let path = self.path.clone();
        let corrupt = |source| StoreError::Corrupt {
            path: path.clone(),
            source,
        };
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(corrupt)?;
        // The first statement that reads the file is where a non-database
        // file or a damaged header shows up.
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(corrupt)?;
        self.conn
            .execute_batch(
                "PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA temp_store = MEMORY;",
            )
            .map_err(corrupt)?;
        Ok(())
    }

    fn migrate(&mut self) -> StoreResult<()> {
        if let Some(found) = self.applied_version()? {
            if found > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    path: self.path.clone(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            if found == SCHEMA_VERSION {
                return Ok(());
            }
        }
        embedded::migrations::runner()
            .run(&mut self.conn)
            .map_err(|e| StoreError::Migrate {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        Ok(())
    }

    /// The highest migration applied to this file, if any.
    /// A number that changes whenever another connection commits to the
    /// cache (`PRAGMA data_version`): how a screen knows the daemon wrote
    /// without re-reading everything.
    pub fn data_version(&self) -> StoreResult<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    pub fn applied_version(&self) -> StoreResult<Option<i64>> {
        let has_history: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
                [],
                |r| r.get(0),
            )
            .map_err(|source| StoreError::Corrupt {
                path: self.path.clone(),
                source,
            })?;
        if !has_history {
            return Ok(None);
        }
        Ok(self.conn.query_row(
            "SELECT MAX(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )?)
    }

    /// Runs `f` in a write transaction taken up front (`BEGIN IMMEDIATE`),
    /// so two writers queue on the busy timeout instead of one failing with
    /// "database is locked" when it tries to upgrade a read lock.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Like [`Store::write`], but the commit is on disk when this returns
    /// (`synchronous = FULL` for this transaction): an outbox step must
    /// survive an OS crash or a power cut, or a write could be resent
    /// without the probe its `sending` row asks for. The cache's own
    /// writes stay at `NORMAL` (the WAL keeps them consistent; a lost
    /// page of cache is refetched), which is why this is per transaction.
    pub(crate) fn write_durable<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.conn.execute_batch("PRAGMA synchronous = FULL")?;
        let out = self.write(f);
        let restored = self.conn.execute_batch("PRAGMA synchronous = NORMAL");
        let out = out?;
        restored?;
        Ok(out)
    }
}

/// Creates the cache file owner-only before SQLite does, because SQLite
/// would create it with the process umask (often world-readable). The WAL
/// and shared-memory files inherit the main file's permissions.
fn create_private(path: &Path) -> StoreResult<()> {
    if path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|source| StoreError::CreateFile {
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_version_2_cache_with_queued_writes_migrates_to_the_new_states() -> TestResult {
        use crate::outbox::{Change, State};
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("cache.db");
        {
            let mut conn = rusqlite::Connection::open(&path)?;
            embedded::migrations::runner()
                .set_target(refinery::Target::Version(2))
                .run(&mut conn)?;
            for state in [
                "queued",
                "sending",
                "verifying",
                "done",
                "failed",
                "held",
                "cancelled",
            ] {
                conn.execute(
                    "INSERT INTO outbox (kind, payload, state, result, created_at, updated_at)
                     VALUES ('add_comment', ?1, ?2, ?3, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')",
                    rusqlite::params![
                        r#"{"kind": "add_comment", "subject": "Update", "body": "old"}"#,
                        state,
                        r#"{"before_max_id": 7, "ticket_updated_at": "2026-11-01T00:00:00.000Z"}"#
                    ],
                )?;
            }
        }
        let mut store = Store::open(&path)?;
        assert_eq!(store.applied_version()?, Some(SCHEMA_VERSION));
        let items = store.outbox_items(&[])?;
        assert_eq!(items.len(), 7);
        assert!(items.iter().all(|i| i.result.before_max_id == Some(7)));
        // The rebuilt table takes the new states.
        for (item, from, to) in [
            (&items[1], State::Sending, State::Probing),
            (&items[2], State::Verifying, State::Uncertain),
            (&items[3], State::Done, State::Differs),
        ] {
            store.outbox_transition(item.id, &[from], to, Change::default())?;
        }
        Ok(())
    }

    #[test]
    fn outbox_transactions_are_durable_and_cache_writes_stay_cheap() -> TestResult {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(dir.path().join("cache.db"))?;
        let level = |tx: &rusqlite::Transaction<'_>| -> StoreResult<i64> {
            Ok(tx.query_row("PRAGMA synchronous", [], |r| r.get(0))?)
        };
        // 2 = FULL: the commit is fsynced before it returns.
        assert_eq!(store.write_durable(level)?, 2);
        // 1 = NORMAL again for everything else.
        assert_eq!(store.write(level)?, 1);
        Ok(())
    }

    #[test]
    fn migrates_an_empty_file_and_is_idempotent_on_reopen() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("sub/cache.db");
        let store = Store::open(&path)?;
        assert_eq!(store.applied_version()?, Some(SCHEMA_VERSION));
        drop(store);
        let store = Store::open(&path)?;
        assert_eq!(store.applied_version()?, Some(SCHEMA_VERSION));
        let n: i64 =
            store
                .conn
                .query_row("SELECT COUNT(*) FROM refinery_schema_history", [], |r| {
                    r.get(0)
                })?;
        assert_eq!(n, SCHEMA_VERSION);
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        assert_eq!(mode, "wal");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn creates_the_file_owner_only() -> TestResult {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("cache.db");
        Store::open(&path)?;
        let mode = std::fs::metadata(&path)?.permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        Ok(())
    }

    #[test]
    fn refuses_a_newer_schema() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("cache.db");
        let store = Store::open(&path)?;
        store
            .conn
            .execute(
                "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (99, 'future', '', '0')",
                [],
            )
            ?;
        drop(store);
        let err = Store::open(&path)
            .err()
            .ok_or("a newer schema was accepted")?;
        assert!(
            matches!(err, StoreError::NewerSchema { found: 99, .. }),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn a_non_database_file_is_reported_as_corrupt_naming_the_file() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("cache.db");
        std::fs::write(&path, vec![b'x'; 4096])?;
        let err = Store::open(&path)
            .err()
            .ok_or("a non-database file was accepted")?
            .to_string();
        assert!(err.contains("cache.db"), "{err}");
        Ok(())
    }
}
