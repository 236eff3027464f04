//! The technicians: GET /me (the API key's user) and who is writing,
//! which `as_user` switches for one write (a colleague, or a technician
//! in the web UI).
//!
//! Apart because every create (comments, line items, timers, look-alikes)
//! asks it for its author.

use serde_json::{json, Value};

use super::State;
use crate::model::User;

impl State {
    pub(super) fn api_user_id(&self) -> Option<u64> {
        self.users.first().map(|u| u.id)
    }

    /// The author of what is being created: `as_user`'s, else the API
    /// key's user.
    pub(super) fn author_id(&self) -> Option<u64> {
        self.author.or_else(|| self.api_user_id())
    }

    pub(crate) fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Runs `write` with the comments, line items and timers it creates
    /// authored by `user` (None: the API key's user), as another
    /// technician's writes are; the author is back to before afterwards.
    pub(crate) fn as_user<T>(
        &mut self,
        user: Option<u64>,
        write: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let before = std::mem::replace(&mut self.author, user);
        let out = write(self);
        self.author = before;
        out
    }

    /// GET /me: the technician who owns the API key.
    pub fn me(&self) -> Value {
        let (id, name, email) = self
            .users
            .first()
            .map(|u| (u.id, u.full_name.clone(), u.email.clone()))
            .unwrap_or((1, "API User".into(), "api@example.com".into()));
        let rwd = json!({"read": true, "write": true, "delete": true});
        json!({
            "user_token": "00000000-0000-4000-8000-000000000001",
            "user_email": email,
            "user_name": name,
            "user_id": id,
            "admin": true,
            "can_use_app": true,
            "two_factor_required": false,
            "subdomain": "simulated",
            "default_location": null,
            "enable_multi_locations": false,
            "locations_allowed": [],
            "permissions": {
                "asset": rwd, "customer": rwd, "ticket": rwd, "invoice": rwd, "payment": rwd,
                "worksheet": {"add": true, "manage": true, "delete": true},
                "script": {"execute": true},
            },
        })
    }
}
