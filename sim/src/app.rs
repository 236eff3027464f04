//! The shared innards of one running simulator, behind its locks.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::Value;

use crate::config::SimConfig;
use crate::faults::FaultEngine;
use crate::observe::Observer;
use crate::ratelimit::RateLimiter;
use crate::state::State;

/// Everything handlers share. Locks are held only for the synchronous work
/// of one request (never across an await), so a poisoned lock can only come
/// from a bug in that work; we keep serving rather than cascade the panic.
pub(crate) struct App {
    state: RwLock<State>,
    faults: Mutex<FaultEngine>,
    limiter: Mutex<RateLimiter>,
    pub observer: Observer,
    pub api_key: String,
}

impl App {
    pub fn new(state: State, config: &SimConfig) -> Self {
        App {
            state: RwLock::new(state),
            faults: Mutex::new(FaultEngine::new(config.faults.clone())),
            limiter: Mutex::new(RateLimiter::new(config.rate_limit_per_minute)),
            observer: Observer::new(config.log_capacity),
            api_key: config.api_key.clone(),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn faults(&self) -> MutexGuard<'_, FaultEngine> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        self.limiter.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn counters(&self) -> Value {
        let dups = self.read().duplicate_comments().clone();
        self.observer.counters_json(&dups)
    }

    pub fn reset_counters(&self) {
        self.observer.reset();
        self.write().reset_duplicate_comments();
    }
}
