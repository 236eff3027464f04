//! The store, shared between the daemon's tasks.
//!
//! SQLite calls block, so each runs on tokio's blocking pool; one
//! connection behind a mutex is plenty because every write is a short
//! transaction (one page, one outbox step).

use std::sync::{Arc, Mutex};

use syncro_store::{Store, StoreError};

#[derive(Clone)]
pub struct Db(Arc<Mutex<Store>>);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the database task stopped unexpectedly: {0}")]
    Join(String),
}

impl Db {
    pub fn new(store: Store) -> Db {
        Db(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` with the store on the blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = inner.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut store)
        })
        .await
        .map_err(|e| DbError::Join(e.to_string()))?
        .map_err(DbError::from)
    }
}
