//! The API key in the operating system's credential store: Secret Service
//! on Linux (GNOME Keyring, KWallet), the Keychain on macOS, the
//! Credential Manager on Windows, all through the `keyring` crate.
//!
//! An entry is named service `syncro`, user = the account (the API host,
//! such as `acme.syncromsp.com`), so two Syncro accounts on one machine
//! keep two keys.
//!
//! `SYNCRO_TEST_KEYRING=DIR` swaps the store for a stand-in that keeps one
//! 0600 file per entry in DIR. It goes through the same `keyring::Entry`
//! calls as a real store, so the end-to-end tests exercise this module's
//! code paths without a desktop session; it is no safer than
//! `api_key_file` and says so wherever it is named.

use std::any::Any;
use std::path::{Path, PathBuf};

use keyring::credential::{Credential, CredentialApi};

/// The service name of every entry.
pub const SERVICE: &str = "syncro";
/// Names the directory of the stand-in store.
pub const TEST_KEYRING_ENV: &str = "SYNCRO_TEST_KEYRING";

/// Which store holds keys on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyring {
    /// The operating system's credential store.
    Os,
    /// The stand-in: one file per entry in this directory.
    TestDir(PathBuf),
}

/// What went wrong with the store. Never carries the key: `keyring`'s
/// errors describe the store, not the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No store to talk to (a headless Linux box without Secret Service).
    #[error("the {store} is not available here: {reason}")]
    Unavailable { store: String, reason: String },
    #[error("the {store} has no API key for {account}")]
    NotFound { store: String, account: String },
    #[error("the {store} failed: {reason}")]
    Failed { store: String, reason: String },
}

impl Keyring {
    /// The stand-in when `SYNCRO_TEST_KEYRING` names a directory, else the
    /// operating system's store.
    pub fn from_env(test_dir: Option<String>) -> Keyring {
        match test_dir {
            Some(d) if !d.is_empty() => Keyring::TestDir(PathBuf::from(d)),
            _ => Keyring::Os,
        }
    }

    /// The store's name, for messages and `syncro doctor`.
    pub fn describe(&self) -> String {
        match self {
            Keyring::TestDir(d) => format!("test keyring in {}", d.display()),
            Keyring::Os if cfg!(windows) => "Windows Credential Manager".into(),
            Keyring::Os if cfg!(target_os = "macos") => "macOS Keychain".into(),
            Keyring::Os => "Secret Service keyring".into(),
        }
    }

    pub fn get(&self, account: &str) -> Result<String, SecretError> {
        self.entry(account)?
            .get_password()
            .map_err(|e| self.error(account, e))
    }

    pub fn set(&self, account: &str, key: &str) -> Result<(), SecretError> {
        self.entry(account)?
            .set_password(key)
            .map_err(|e| self.error(account, e))
    }

    /// Removes the entry; an entry that is not there is not an error.
    pub fn delete(&self, account: &str) -> Result<(), SecretError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.error(account, e)),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, SecretError> {
        match self {
            Keyring::Os => {
                keyring::Entry::new(SERVICE, account).map_err(|e| self.error(account, e))
            }
            Keyring::TestDir(dir) => Ok(keyring::Entry::new_with_credential(Box::new(
                FileCredential {
                    path: dir.join(file_name(account)),
                },
            ))),
        }
    }

    fn error(&self, account: &str, e: keyring::Error) -> SecretError {
        let store = self.describe();
        match e {
            keyring::Error::NoEntry => SecretError::NotFound {
                store,
                account: account.to_string(),
            },
            keyring::Error::NoStorageAccess(e) | keyring::Error::PlatformFailure(e) => {
                SecretError::Unavailable {
                    store,
                    reason: e.to_string(),
                }
            }
            other => SecretError::Failed {
                store,
                reason: other.to_string(),
            },
        }
    }
}

/// `syncro.<account>` with anything but `[A-Za-z0-9.-]` replaced.
fn file_name(account: &str) -> String {
    let safe: String = account
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{SERVICE}.{safe}")
}

/// The stand-in store's entry: a 0600 file.
#[derive(Debug)]
struct FileCredential {
    path: PathBuf,
}

fn platform(e: std::io::Error) -> keyring::Error {
    keyring::Error::PlatformFailure(Box::new(e))
}

impl CredentialApi for FileCredential {
    fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(platform)?;
        }
        crate::files::write_private(&self.path, secret).map_err(platform)
    }

    fn get_secret(&self) -> keyring::Result<Vec<u8>> {
        match std::fs::read(&self.path) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(keyring::Error::NoEntry),
            Err(e) => Err(platform(e)),
        }
    }

    fn delete_credential(&self) -> keyring::Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(keyring::Error::NoEntry),
            Err(e) => Err(platform(e)),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Where a stand-in entry lives (for tests that look at it).
pub fn test_entry_path(dir: &Path, account: &str) -> PathBuf {
    dir.join(file_name(account))
}

// `Credential` is `dyn CredentialApi + Send + Sync`; make sure ours is.
const _: fn() = || {
    fn is_credential(_: Box<Credential>) {}
    is_credential(Box::new(FileCredential {
        path: PathBuf::new(),
    }));
};

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn the_stand_in_keeps_one_private_file_per_account() -> TestResult {
        let dir = tempfile::tempdir()?;
        let k = Keyring::TestDir(dir.path().to_path_buf());
        assert!(matches!(
            k.get("acme.syncromsp.com"),
            Err(SecretError::NotFound { .. })
        ));
        k.set("acme.syncromsp.com", "s3cret")?;
        k.set("other.syncromsp.com", "other")?;
        assert_eq!(k.get("acme.syncromsp.com")?, "s3cret");
        assert_eq!(k.get("other.syncromsp.com")?, "other");
        let path = test_entry_path(dir.path(), "acme.syncromsp.com");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path)?.permissions().mode() & 0o777,
                0o600
            );
        }
        k.delete("acme.syncromsp.com")?;
        k.delete("acme.syncromsp.com")?;
        assert!(!path.exists());
        Ok(())
    }

    #[test]
    fn odd_account_names_stay_inside_the_directory() {
        let p = test_entry_path(Path::new("/k"), "../../etc/passwd");
        assert_eq!(p, Path::new("/k/syncro..._.._etc_passwd"));
    }

    #[test]
    fn the_environment_picks_the_store() {
        assert_eq!(Keyring::from_env(None), Keyring::Os);
        assert_eq!(Keyring::from_env(Some(String::new())), Keyring::Os);
        assert_eq!(
            Keyring::from_env(Some("/tmp/k".into())),
            Keyring::TestDir("/tmp/k".into())
        );
        assert!(Keyring::TestDir("/tmp/k".into())
            .describe()
            .contains("test keyring"));
    }
}
