//! One syncrod per data directory: `syncrod.lock` next to the cache, held
//! with an OS lock for the life of the process and holding its pid.
//!
//! The OS drops the lock when the process ends, however it ends, so a
//! crash never leaves a stale lock behind; the file itself stays and is
//! reused. On Unix the lock is `flock(2)` (advisory: the pid stays readable
//! by the next instance). On Windows it is the sharing mode of the open
//! handle: while syncrod runs, nobody else can open the file for writing,
//! but anyone can read the pid (a `LockFileEx` byte-range lock would hide
//! the pid from readers).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside the data directory.
pub const LOCK_FILE: &str = "syncrod.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}", held_message(.pid, .db, .lock))]
    Held {
        /// The holder's pid, when it could be read.
        pid: Option<u32>,
        /// The cache the holder runs on (as it recorded it, else ours).
        db: PathBuf,
        lock: PathBuf,
    },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn held_message(pid: &Option<u32>, db: &Path, lock: &Path) -> String {
    match pid {
        Some(pid) => format!(
            "syncrod is already running (pid {pid}) on {}; stop it first",
            db.display()
        ),
        None => format!(
            "syncrod is already running on {} (it holds {}); stop it first",
            db.display(),
            lock.display()
        ),
    }
}

/// Held for as long as this value lives (keep it until the process exits).
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

impl InstanceLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The directory the lock guards: the cache's parent.
pub fn data_dir(db_path: &Path) -> PathBuf {
    match db_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Takes the single-instance lock for the cache at `db_path`, or says who
/// holds it. Never waits.
pub fn acquire(db_path: &Path) -> Result<InstanceLock, LockError> {
    let dir = data_dir(db_path);
    let path = dir.join(LOCK_FILE);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut file = match sys::open_locked(&path) {
        Ok(Some(file)) => file,
        Ok(None) => {
            let (pid, db) = read_holder(&path);
            return Err(LockError::Held {
                pid,
                db: db.unwrap_or_else(|| db_path.to_path_buf()),
                lock: path,
            });
        }
        Err(e) => return Err(io(e)),
    };
    // Ours now: record who we are for the next instance's message.
    let record = format!("{}\n{}\n", std::process::id(), db_path.display());
    file.set_len(0)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(record.as_bytes()))
        .and_then(|_| file.flush())
        .map_err(io)?;
    Ok(InstanceLock { _file: file, path })
}

/// The holder's pid and cache, as it wrote them (first and second lines).
fn read_holder(path: &Path) -> (Option<u32>, Option<PathBuf>) {
    let mut text = String::new();
    // The holder writes its pid just after locking: give it a moment.
    for _ in 0..20 {
        text.clear();
        if File::open(path)
            .and_then(|mut f| f.read_to_string(&mut text))
            .is_ok()
            && text.ends_with('\n')
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let mut lines = text.lines();
    let pid = lines.next().and_then(|l| l.trim().parse().ok());
    let db = lines
        .next()
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from);
    (pid, db)
}

#[cfg(unix)]
mod sys {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    /// `Ok(None)` when another process holds the lock.
    pub fn open_locked(path: &Path) -> io::Result<Option<File>> {
        // Never truncate on open: the holder's pid is in there.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
        // Called through the trait: std's own `File::try_lock` is newer
        // than this workspace's minimum Rust.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => Ok(Some(file)),
            Err(fs4::TryLockError::WouldBlock) => Ok(None),
            Err(fs4::TryLockError::Error(e)) => Err(e),
        }
    }
}

#[cfg(windows)]
mod sys {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::windows::fs::OpenOptionsExt;
    use std::path::Path;

    const FILE_SHARE_READ: u32 = 0x1;
    const ERROR_SHARING_VIOLATION: i32 = 32;
    const ERROR_LOCK_VIOLATION: i32 = 33;

    /// `Ok(None)` when another process holds the lock.
    pub fn open_locked(path: &Path) -> io::Result<Option<File>> {
        // Others may read (the pid) but not write or delete while we live.
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .share_mode(FILE_SHARE_READ)
            .open(path)
        {
            Ok(file) => Ok(Some(file)),
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION)
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_second_lock_on_the_same_dir_names_the_holder() -> TestResult {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("data").join("cache.db");
        let held = acquire(&db)?;
        assert!(held.path().ends_with(LOCK_FILE));
        let err = acquire(&db).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("(pid {})", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains(&db.display().to_string()), "{msg}");
        drop(held);
        // Released with the handle; the leftover file is reused.
        let again = acquire(&db)?;
        let text = std::fs::read_to_string(again.path())?;
        assert_eq!(
            text.lines().next(),
            Some(std::process::id().to_string().as_str())
        );
        Ok(())
    }
}
