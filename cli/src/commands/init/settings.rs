//! Edits to the config file that `init` makes: only the keys it was asked
//! to change, through `toml_edit`, so the user's comments, order and other
//! settings survive a second run.

use std::path::{Path, PathBuf};

use toml_edit::{value, DocumentMut, Item, Table};

use super::labor::Proposal;

/// How a new config file starts.
const HEADER: &str = "\
# syncro settings, written by `syncro init` (run it again to change them).
# Every key is described in config.example.toml.
";

/// Where the server is: one of the two keys the config accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    Subdomain(String),
    BaseUrl(String),
}

/// Where the API key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPlace {
    /// In the credential store, under this account.
    Keyring(String),
    /// In this 0600 file.
    File(PathBuf),
}

/// What one run of `init` changes; `None` leaves a setting as it is.
#[derive(Debug, Default)]
pub struct Changes {
    pub server: Option<Server>,
    pub key: Option<KeyPlace>,
    pub user_id: Option<i64>,
    pub tech: Option<String>,
    pub labor: Option<Vec<Proposal>>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.server.is_none()
            && self.key.is_none()
            && self.user_id.is_none()
            && self.tech.is_none()
            && self.labor.is_none()
    }
}

/// The file as it stands, or a new one.
pub fn parse(existing: Option<&str>, path: &Path) -> anyhow::Result<DocumentMut> {
    match existing {
        Some(text) => text.parse::<DocumentMut>().map_err(|e| {
            anyhow::anyhow!(
                "{} is not valid TOML, so `init` will not rewrite it: {e}",
                path.display()
            )
        }),
        None => Ok(DocumentMut::new()),
    }
}

/// The text to write; a new file starts with a header saying where it
/// came from. (A comment-only document would put its comments after the
/// keys, so the header is added here rather than parsed.)
pub fn render(doc: &DocumentMut, new_file: bool) -> String {
    if new_file {
        format!("{HEADER}\n{doc}")
    } else {
        doc.to_string()
    }
}

/// Applies `changes` to `doc`.
pub fn apply(doc: &mut DocumentMut, changes: &Changes) {
    if let Some(server) = &changes.server {
        doc.remove("base_url");
        doc.remove("subdomain");
        match server {
            Server::Subdomain(s) => doc["subdomain"] = value(s.as_str()),
            Server::BaseUrl(u) => doc["base_url"] = value(u.as_str()),
        }
    }
    if let Some(key) = &changes.key {
        // One source only: an inline key left behind would win over the
        // keyring and keep the secret in the file.
        for k in [
            "api_key",
            "api_key_file",
            "api_key_command",
            "api_key_keyring",
        ] {
            doc.remove(k);
        }
        match key {
            KeyPlace::Keyring(account) => doc["api_key_keyring"] = value(account.as_str()),
            KeyPlace::File(p) => doc["api_key_file"] = value(p.display().to_string()),
        }
    }
    if let Some(id) = changes.user_id {
        doc["user_id"] = value(id);
    }
    if let Some(tech) = &changes.tech {
        doc["tech"] = value(tech.as_str());
    }
    if let Some(labor) = &changes.labor {
        let mut table = Table::new();
        table.set_implicit(true);
        for p in labor {
            let mut t = Table::new();
            t["product_id"] = value(p.product_id);
            t["rate"] = value(p.rate);
            t["name"] = value(p.name.as_str());
            table.insert(&p.kind, Item::Table(t));
        }
        doc["labor"] = Item::Table(table);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syncro_store::config::Config;

    fn remote() -> Proposal {
        Proposal {
            kind: "remote".into(),
            product_id: 9001,
            name: "Labor - Remote".into(),
            rate: 125.0,
        }
    }

    #[test]
    fn a_new_file_loads_as_a_config() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("config.toml");
        let mut doc = parse(None, &path)?;
        apply(
            &mut doc,
            &Changes {
                server: Some(Server::Subdomain("acme".into())),
                key: Some(KeyPlace::Keyring("acme.syncromsp.com".into())),
                user_id: Some(7),
                tech: Some("Jane Tech".into()),
                labor: Some(vec![remote()]),
            },
        );
        std::fs::write(&path, render(&doc, true))?;
        let c = Config::load(Some(&path))?;
        assert_eq!(
            c.base_url.as_deref(),
            Some("https://acme.syncromsp.com/api/v1")
        );
        assert_eq!(c.user_id, Some(7));
        assert_eq!(c.labor("remote").map(|(_, l)| l.product_id), Some(9001));
        assert!(std::fs::read_to_string(&path)?.starts_with("# syncro settings"));
        Ok(())
    }

    #[test]
    fn a_second_run_changes_only_what_it_was_asked() -> anyhow::Result<()> {
        let path = Path::new("config.toml");
        let before = "\
# my notes
base_url = \"https://old.syncromsp.com/api/v1\"
api_key = \"inline-secret\"  # bad idea
rate_limit_per_minute = 90

[labor.remote]
product_id = 1
rate = 1.0
";
        let mut doc = parse(Some(before), path)?;
        apply(
            &mut doc,
            &Changes {
                key: Some(KeyPlace::Keyring("old.syncromsp.com".into())),
                ..Changes::default()
            },
        );
        let after = doc.to_string();
        assert!(after.contains("# my notes"));
        assert!(after.contains("rate_limit_per_minute = 90"));
        assert!(after.contains("https://old.syncromsp.com/api/v1"));
        assert!(after.contains("product_id = 1"));
        assert!(!after.contains("inline-secret"), "{after}");
        assert!(after.contains("api_key_keyring = \"old.syncromsp.com\""));
        Ok(())
    }

    #[test]
    fn invalid_toml_is_not_rewritten() {
        let e = parse(Some("base_url = "), Path::new("c.toml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("will not rewrite"), "{e}");
    }
}
