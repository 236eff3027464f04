//! `syncro init`: from nothing to a working setup, as `gh auth login` does.
//!
//! Asks for the account (subdomain or base URL) and the API key (typed
//! without echo), proves the key with one `GET /me`, proposes the labor
//! map from the shop's Labor products, keeps the key in the operating
//! system's credential store (a 0600 file where there is none, saying so),
//! writes the config (0600, comments kept on a second run), then offers to
//! install the service and run the first sync.
//!
//! Everything is also a flag, and `--yes` (or no terminal) takes the
//! defaults without asking. The key is never a flag: arguments are visible
//! to every user of the machine, so scripts pipe it in (`--api-key-stdin`)
//! or set `SYNCRO_API_KEY`.

mod ask;
mod labor;
mod settings;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use syncro_store::config::{
    check_base_url, default_config_path, ApiKey, AuthMode, Config, KeySource,
};
use syncro_store::secret::{Keyring, SecretError, TEST_KEYRING_ENV};

use crate::api::{Api, ApiError};
use crate::args::{InitArgs, KeyStore, LaborChoice};
use ask::Ask;
use labor::Proposal;
use settings::{Changes, KeyPlace, Server};

/// Tries at a key on a terminal before giving up.
const KEY_TRIES: usize = 3;

pub fn run(config_path: Option<&Path>, args: InitArgs, json: bool) -> Result<ExitCode> {
    let path = target_path(config_path)?;
    let ask = Ask::detect(args.yes);
    let existing = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut doc = settings::parse(existing.as_deref(), &path)?;
    // A config that parses but does not load (a bad value) is shown as
    // such; init can still mend it.
    let current = existing
        .as_ref()
        .map(|_| Config::load(Some(&path)))
        .transpose()
        .unwrap_or_else(|e| {
            say(&format!("The current config does not load: {e}"));
            None
        });
    if let Some(c) = &current {
        show_current(&path, c);
        if ask.interactive() {
            say("Press Enter to keep a setting.");
        }
    } else {
        say(&format!(
            "Setting up syncro: the settings go to {}",
            path.display()
        ));
    }
    let mut changes = Changes::default();

    // The account.
    let current_server = current.as_ref().and_then(|c| c.base_url.clone());
    let server_input = match &args.server {
        Some(s) => s.clone(),
        None => ask.text(
            "Syncro subdomain (acme for acme.syncromsp.com) or API base URL",
            current_server.as_deref(),
            "no account given: pass --server SUBDOMAIN (or the API base URL)",
        )?,
    };
    let (server, base) = parse_server(&server_input)?;
    if current_server.as_deref() != Some(base.as_str()) {
        changes.server = Some(server);
    }
    let auth = current.as_ref().map_or(AuthMode::Query, |c| c.auth);
    let account = account_for(&base);

    // The key: given, kept, or asked for; proven with GET /me.
    let (key, me, key_is_new) = obtain_key(&ask, &args, current.as_ref(), &base, auth)?;
    let user_name = me.get("user_name").and_then(Value::as_str).unwrap_or("?");
    let email = me.get("user_email").and_then(Value::as_str).unwrap_or("");
    let user_id = me.get("user_id").and_then(Value::as_i64);
    say(&format!(
        "✓ The key works: it belongs to {user_name}{}{}",
        if email.is_empty() {
            String::new()
        } else {
            format!(" <{email}>")
        },
        user_id
            .map(|id| format!(", user_id {id}"))
            .unwrap_or_default()
    ));
    if user_id.is_some() && current.as_ref().and_then(|c| c.user_id) != user_id {
        changes.user_id = user_id;
    }
    if current.as_ref().and_then(|c| c.tech.clone()).is_none() && user_name != "?" {
        changes.tech = Some(user_name.to_string());
    }

    // Labor types.
    let api = Api::new(&base, &key, auth)?;
    let has_labor = current.as_ref().is_some_and(|c| !c.labor.is_empty());
    let labor_choice = match args.labor {
        Some(c) => c,
        None if !has_labor => LaborChoice::Discover,
        None if ask.confirm("Look for changes in the shop's labor products?", false)? => {
            LaborChoice::Discover
        }
        None => LaborChoice::Keep,
    };
    if labor_choice == LaborChoice::Discover {
        changes.labor = choose_labor(&ask, &api, current.as_ref())?;
    }

    // Where the key goes. A kept key stays where it is unless a store was
    // asked for.
    let service_wanted = match (args.service, args.no_service) {
        (true, _) => true,
        (_, true) => false,
        // Never installed without being asked or told to.
        _ => {
            ask.interactive() && ask.confirm("Install and start syncrod as a service now?", true)?
        }
    };
    let store_choice = args.key_store.or(if cfg!(windows) && service_wanted {
        // The Windows service runs as LocalSystem, which cannot read this
        // user's Credential Manager.
        say(
            "The Windows service cannot read your Credential Manager: the key goes to a 0600 file.",
        );
        Some(KeyStore::File)
    } else {
        None
    });
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut key_note = None;
    if key_is_new || store_choice.is_some() {
        let (place, note) = store_key(
            store_choice.unwrap_or(KeyStore::Keyring),
            &account,
            &key,
            &path,
            current.as_ref(),
        )?;
        changes.key = Some(place);
        key_note = Some(note);
    }

    // Write. `settled` is the config as it now stands on disk.
    let settled = if changes.is_empty() {
        say("Nothing to change.");
        current
    } else {
        settings::apply(&mut doc, &changes);
        let text = settings::render(&doc, existing.is_none());
        syncro_store::files::write_private(&path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        // Prove the result loads, key included, before saying it is done.
        let written = Config::load(Some(&path))
            .with_context(|| format!("{} was written but does not load", path.display()))?;
        written.api_key().with_context(|| {
            format!("{} was written but its key cannot be read", path.display())
        })?;
        say(&format!("✓ Wrote {}", path.display()));
        Some(written)
    };
    if let Some(note) = &key_note {
        say(note);
    }

    // The service, then the first sync.
    let mut service_started = false;
    if service_wanted {
        service_started =
            run_syncrod(&path, &install_args(), "install the service")? && start_service();
    }
    let sync_wanted = match (args.sync, args.no_sync) {
        (true, _) => true,
        (_, true) => false,
        _ if service_started => false,
        _ => ask.interactive() && ask.confirm("Run the first sync now?", true)?,
    };
    if sync_wanted {
        run_syncrod(&path, &["once"], "run the first sync")?;
    } else if service_started {
        say("syncrod is running the first sync in the background: `syncro status` shows how far it is.");
    }

    if json {
        let labor: Vec<&Proposal> = changes.labor.iter().flatten().collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "config": path.display().to_string(),
                "base_url": base,
                "user": {"name": user_name, "email": email, "user_id": user_id},
                "key": settled.as_ref().map_or(Value::Null, key_place),
                "labor": labor,
                "changed": !changes.is_empty(),
                "service_installed": service_started,
            }))?
        );
    } else if service_started || sync_wanted {
        println!("syncro is set up: try `syncro status`, `syncro tickets`, `syncro labor`.");
    } else {
        println!(
            "syncro is set up. Start syncrod to fill the cache: `syncrod install --user` (a service) or `syncrod run`; then `syncro status`."
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The file to write: `--config`, else `SYNCRO_CONFIG`, else the default.
fn target_path(explicit: Option<&Path>) -> Result<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("SYNCRO_CONFIG").map(PathBuf::from))
        .or_else(default_config_path)
        .ok_or_else(|| anyhow!("no config directory on this system: pass --config FILE"))
}

/// Progress and questions go to stderr; stdout is the command's answer.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn show_current(path: &Path, c: &Config) {
    say(&format!("Current settings in {}:", path.display()));
    say(&format!(
        "  account:     {}",
        c.base_url.as_deref().unwrap_or("(none)")
    ));
    say(&format!(
        "  API key:     {}",
        c.key_source.describe(&c.origin)
    ));
    say(&format!(
        "  labor types: {}",
        if c.labor.is_empty() {
            "(none)".to_string()
        } else {
            c.labor.keys().cloned().collect::<Vec<_>>().join(", ")
        }
    ));
}

fn key_place(c: &Config) -> Value {
    match &c.key_source {
        KeySource::Keyring { account, store } => {
            json!({"store": "keyring", "backend": store.describe(), "account": account})
        }
        KeySource::File(p) => json!({"store": "file", "path": p.display().to_string()}),
        other => json!({"store": other.describe(&c.origin)}),
    }
}

/// "acme", "acme.syncromsp.com" or a URL → the config key and the base URL.
fn parse_server(input: &str) -> Result<(Server, String)> {
    let input = input.trim();
    if input.contains("://") {
        let mut url = input.trim_end_matches('/').to_string();
        let host_only = url.splitn(4, '/').nth(3).is_none();
        if host_only && url.ends_with(".syncromsp.com") {
            url.push_str("/api/v1");
        }
        let url = check_base_url(&url).map_err(|e| anyhow!("base URL: {e}"))?;
        return Ok((Server::BaseUrl(url.clone()), url));
    }
    let sub = input
        .trim_end_matches('/')
        .trim_end_matches(".syncromsp.com")
        .to_ascii_lowercase();
    if sub.is_empty() || !sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        bail!("{input:?} is neither a Syncro subdomain (acme) nor a URL (https://acme.syncromsp.com/api/v1)");
    }
    let url = format!("https://{sub}.syncromsp.com/api/v1");
    Ok((Server::Subdomain(sub), url))
}

/// The credential store's account name for a base URL: its host (and port).
fn account_for(base: &str) -> String {
    base.split("://")
        .nth(1)
        .unwrap_or(base)
        .split('/')
        .next()
        .unwrap_or(base)
        .to_string()
}

/// The key to use, `GET /me`'s answer with it, and whether it is new
/// (to be stored) rather than the one the config already reads.
fn obtain_key(
    ask: &Ask,
    args: &InitArgs,
    current: Option<&Config>,
    base: &str,
    auth: AuthMode,
) -> Result<(ApiKey, Value, bool)> {
    let check =
        |key: &ApiKey| -> Result<Value, ApiError> { Api::new(base, key, auth)?.get("/me", &[]) };
    if args.api_key_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the API key from stdin")?;
        let key = ApiKey::new(line.trim());
        if key.expose().is_empty() {
            bail!("--api-key-stdin: standard input held no key");
        }
        let me = check(&key)?;
        return Ok((key, me, true));
    }
    if let Some(k) = std::env::var("SYNCRO_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
    {
        say("Using the key in SYNCRO_API_KEY (it overrides the stored key for as long as it is set).");
        let key = ApiKey::new(k.trim());
        let me = check(&key)?;
        return Ok((key, me, true));
    }
    // The key the config already reads, if it still works and the user
    // keeps it.
    if let Some(c) = current {
        if let Ok(key) = c.api_key() {
            let prompt = format!(
                "Keep the API key from {}?",
                c.key_source.describe(&c.origin)
            );
            if ask.confirm(&prompt, true)? {
                let me = check(&key)?;
                // A key written into the config itself moves to the store.
                let inline = matches!(c.key_source, KeySource::Inline(_));
                if inline {
                    say("The key is written in the config file: it moves to the credential store.");
                }
                return Ok((key, me, inline));
            }
        }
    }
    let missing = "no API key: pipe it in with --api-key-stdin (or set SYNCRO_API_KEY); it is never an argument";
    for attempt in 1..=KEY_TRIES {
        let key = ApiKey::new(&ask.secret(
            "API key (Syncro: Admin > API Tokens; typing is hidden)",
            missing,
        )?);
        if key.expose().is_empty() {
            say("No key typed.");
            continue;
        }
        match check(&key) {
            Ok(me) => return Ok((key, me, true)),
            Err(e @ ApiError::Refused { .. }) if attempt < KEY_TRIES => {
                say(&format!("✗ {e}. Try again."));
            }
            Err(e) => return Err(e.into()),
        }
    }
    bail!("no working API key after {KEY_TRIES} tries")
}

/// Shows the labor products found and returns the map to write (`None`:
/// keep the current one).
fn choose_labor(
    ask: &Ask,
    api: &Api<'_>,
    current: Option<&Config>,
) -> Result<Option<Vec<Proposal>>> {
    let products = labor::fetch_products(api).context("reading the shop's products")?;
    let proposals = labor::propose(&products);
    if proposals.is_empty() {
        say(&format!(
            "No labor products found among the shop's {} products (category \"Labor\"): \
             add [labor.<type>] tables by hand (see config.example.toml).",
            products.len()
        ));
        return Ok(None);
    }
    say(&format!(
        "Labor products in the shop (of {} products):",
        products.len()
    ));
    for p in &proposals {
        let now = current
            .and_then(|c| c.labor(&p.kind))
            .map(|(_, l)| {
                if l.product_id == p.product_id && (l.rate - p.rate).abs() < 0.005 {
                    " (as configured)".to_string()
                } else {
                    format!(" (configured: product {}, ${:.2}/h)", l.product_id, l.rate)
                }
            })
            .unwrap_or_default();
        let free = if p.rate == 0.0 { " (bills $0.00)" } else { "" };
        say(&format!(
            "  {:<16} product {:>8}  ${:>8.2}/h  {}{free}{now}",
            p.kind, p.product_id, p.rate, p.name
        ));
    }
    if let Some(c) = current {
        for kind in c.labor.keys() {
            if !proposals.iter().any(|p| &p.kind == kind) {
                say(&format!(
                    "  {kind:<16} configured now, not among these: it would be dropped"
                ));
            }
        }
    }
    if !ask.confirm("Use these labor types?", true)? {
        return Ok(None);
    }
    if !ask.interactive() || !ask.confirm("Rename, re-rate or drop any of them?", false)? {
        return Ok(Some(proposals));
    }
    let mut chosen = Vec::new();
    for mut p in proposals {
        let kind = loop {
            let k = ask.text(
                &format!("Type name for {} (\"-\" drops it)", p.name),
                Some(&p.kind),
                "",
            )?;
            if k == "-" || labor::valid_kind(&k) {
                break k;
            }
            say("Use lowercase letters, digits, - and _.");
        };
        if kind == "-" {
            continue;
        }
        let rate = loop {
            let r = ask.text("  rate ($/h)", Some(&format!("{:.2}", p.rate)), "")?;
            match r.trim().trim_start_matches('$').parse::<f64>() {
                Ok(r) if r.is_finite() && r >= 0.0 => break r,
                _ => say("A number of dollars, such as 125 or 92.50."),
            }
        };
        p.kind = kind;
        p.rate = rate;
        chosen.push(p);
    }
    Ok(Some(chosen))
}

/// Stores the key and says where, in a sentence for the user.
fn store_key(
    choice: KeyStore,
    account: &str,
    key: &ApiKey,
    config_path: &Path,
    current: Option<&Config>,
) -> Result<(KeyPlace, String)> {
    let key_file = config_path.with_file_name("api_key");
    let keyring = Keyring::from_env(std::env::var(TEST_KEYRING_ENV).ok());
    let to_file = |why: &str| -> Result<(KeyPlace, String)> {
        syncro_store::files::write_private(&key_file, key.expose().as_bytes())
            .with_context(|| format!("cannot write {}", key_file.display()))?;
        Ok((
            KeyPlace::File(key_file.clone()),
            format!(
                "✓ The key is in {} (readable by you only){why}",
                key_file.display()
            ),
        ))
    };
    let placed = match choice {
        KeyStore::File => to_file("")?,
        KeyStore::Keyring => match keyring.set(account, key.expose()) {
            Ok(()) => {
                // Read it back: some stores accept and forget (a locked
                // collection, a session keyring that dies with the login).
                match keyring.get(account) {
                    Ok(k) if k == key.expose() => (
                        KeyPlace::Keyring(account.to_string()),
                        format!(
                            "✓ The key is in the {} (account {account}), not in the config",
                            keyring.describe()
                        ),
                    ),
                    _ => to_file(&format!(
                        ": the {} took the key but did not give it back",
                        keyring.describe()
                    ))?,
                }
            }
            Err(SecretError::Unavailable { reason, .. }) => to_file(&format!(
                ": there is no {} here ({reason}), as on a headless server",
                keyring.describe()
            ))?,
            Err(e) => return Err(e.into()),
        },
    };
    // Do not leave the old copy behind where we put it ourselves.
    if let Some(KeySource::Keyring {
        account: old,
        store,
    }) = current.map(|c| &c.key_source)
    {
        if !matches!(&placed.0, KeyPlace::Keyring(a) if a == old) {
            let _ = store.delete(old);
        }
    }
    if matches!(placed.0, KeyPlace::Keyring(_)) && key_file.exists() {
        if let Some(KeySource::File(p)) = current.map(|c| &c.key_source) {
            if *p == key_file {
                let _ = std::fs::remove_file(&key_file);
            }
        }
    }
    Ok(placed)
}

/// Starts the service `syncrod install` set up, as init offered: on Linux
/// the systemd user unit (enabled for every login), on Windows the service
/// (set to start at boot, so it would otherwise wait for a reboot). The
/// launchd agent starts on its own.
fn start_service() -> bool {
    let (program, args, log_hint): (&str, &[&str], &str) = if cfg!(target_os = "linux") {
        (
            "systemctl",
            &["--user", "enable", "--now", "syncrod.service"],
            "`journalctl --user -u syncrod -f` shows its log",
        )
    } else if cfg!(windows) {
        (
            "sc.exe",
            &["start", "syncrod"],
            "its logs are in the logs folder next to the cache",
        )
    } else {
        return true;
    };
    match std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status()
    {
        Ok(s) if s.success() => {
            say(&format!("✓ syncrod is running ({log_hint})."));
            true
        }
        Ok(_) | Err(_) => {
            say(&format!(
                "✗ Could not start it: run `{program} {}`.",
                args.join(" ")
            ));
            false
        }
    }
}

fn install_args() -> Vec<&'static str> {
    if cfg!(windows) {
        vec!["install"]
    } else {
        vec!["install", "--user"]
    }
}

/// Runs `syncrod --config PATH ARGS...` in this terminal; says, rather
/// than fails, when it does not work: the config is written either way.
fn run_syncrod(config: &Path, args: &[&str], what: &str) -> Result<bool> {
    let exe = syncrod_path();
    // Its output goes to stderr with ours: stdout is the command's answer
    // (the --json summary).
    let status = std::process::Command::new(&exe)
        .arg("--config")
        .arg(config)
        .args(args)
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status();
    match status {
        Ok(s) if s.success() => Ok(true),
        Ok(s) => {
            say(&format!(
                "✗ Could not {what} (`syncrod {}` exited with {s}); the settings are saved, run it again later.",
                args.join(" ")
            ));
            Ok(false)
        }
        Err(e) => {
            say(&format!(
                "✗ Could not {what}: cannot run {} ({e}); the settings are saved.",
                exe.display()
            ));
            Ok(false)
        }
    }
}

/// `syncrod` next to this `syncro` (the packages install both together),
/// else whatever PATH finds.
fn syncrod_path() -> PathBuf {
    let name = format!("syncrod{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .map(|e| e.with_file_name(&name))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_named_by_subdomain_or_url() -> Result<()> {
        let (s, u) = parse_server("Acme")?;
        assert_eq!(s, Server::Subdomain("acme".into()));
        assert_eq!(u, "https://acme.syncromsp.com/api/v1");
        assert_eq!(parse_server("acme.syncromsp.com")?.1, u);
        assert_eq!(parse_server("https://acme.syncromsp.com")?.1, u);
        assert_eq!(parse_server("https://acme.syncromsp.com/api/v1/")?.1, u);
        assert_eq!(
            parse_server("http://127.0.0.1:8080/api/v1")?.0,
            Server::BaseUrl("http://127.0.0.1:8080/api/v1".into())
        );
        assert!(parse_server("http://evil.example/api/v1").is_err());
        assert!(parse_server("not a name").is_err());
        assert!(parse_server("").is_err());
        Ok(())
    }

    #[test]
    fn the_keyring_account_is_the_host() {
        assert_eq!(
            account_for("https://acme.syncromsp.com/api/v1"),
            "acme.syncromsp.com"
        );
        assert_eq!(
            account_for("http://127.0.0.1:8080/api/v1"),
            "127.0.0.1:8080"
        );
    }
}
