use std::path::PathBuf;

/// Everything the store can fail with. Messages name the file and the fix
/// where one exists, because they reach users verbatim.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the cache {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the cache file {path}: {source}")]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the cache {path} is not a usable SQLite database ({source}); move it aside and syncrod will rebuild it")]
    Corrupt {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot migrate the cache {path}: {message}")]
    Migrate { path: PathBuf, message: String },
    #[error("the cache {path} has schema version {found}, newer than this program's {supported}; upgrade syncro/syncrod")]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("invalid JSON in the cache: {0}")]
    Json(#[from] serde_json::Error),
    #[error("outbox item {id} is {actual}, not {expected}")]
    WrongState {
        id: i64,
        expected: String,
        actual: String,
    },
    /// A user action that would cancel or resend a write the server may
    /// already hold, asked without `force`.
    #[error("outbox item {id} is {state}: it may already be on the server")]
    MayHaveLanded { id: i64, state: String },
    #[error("no outbox item {0}")]
    NoSuchItem(i64),
    #[error("invalid search query: {0}")]
    BadQuery(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
