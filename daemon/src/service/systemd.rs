//! `syncrod install --user` on Linux: a systemd user unit.
//!
//! The unit is `Type=notify` (syncrod says READY=1 once the cache is
//! migrated and pings the watchdog), restarts on failure, and starts the
//! binary that installed it with `run`. The API key is never written into
//! it: syncrod reads the key from the config's `api_key_file` or
//! `api_key_command`, or from `SYNCRO_API_KEY` in an optional
//! `EnvironmentFile=` the user keeps private.
#![cfg_attr(target_os = "macos", allow(dead_code))]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::unit::{write_file, Plan};

pub const UNIT_NAME: &str = "syncrod.service";
/// systemd kills and restarts syncrod when no WATCHDOG=1 came for this long.
pub const WATCHDOG_SEC: u64 = 60;

/// `$XDG_CONFIG_HOME/systemd/user` (`~/.config/systemd/user`).
pub fn user_unit_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("systemd").join("user"))
}

/// The optional environment file the unit reads:
/// `$XDG_CONFIG_HOME/syncro/syncrod.env`.
pub fn env_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("syncro").join("syncrod.env"))
}

/// The user unit's text.
pub fn render_user_unit(plan: &Plan, env_file: &Path) -> Result<String> {
    let exec = plan
        .command_line()
        .iter()
        .map(|a| quote(a))
        .collect::<Result<Vec<_>>>()?
        .join(" ");
    let env_file = escape_specifiers(utf8(env_file)?);
    Ok(format!(
        "\
# syncrod as a systemd user service, written by `syncrod install --user`
# (run it again after moving the binary; `syncrod uninstall --user` removes it).
#
# The API key never goes in this file or on the command line: syncrod reads
# it from the config's api_key_file or api_key_command, or from a line
# SYNCRO_API_KEY=... in the optional environment file below (chmod 600).

[Unit]
Description=syncro daemon: mirrors Syncro PSA into the local cache and sends queued writes

[Service]
Type=notify
ExecStart={exec}
EnvironmentFile=-{env_file}
Restart=on-failure
RestartSec=5
WatchdogSec={WATCHDOG_SEC}
TimeoutStopSec=30

[Install]
WantedBy=default.target
"
    ))
}

/// Writes the unit, reloads the user manager if it can, and says how to
/// enable it (and the system-wide alternative).
pub fn install_user(plan: &Plan) -> Result<()> {
    let dir = user_unit_dir()
        .context("cannot find your config directory: set HOME or XDG_CONFIG_HOME")?;
    let env_file =
        env_file().context("cannot find your config directory: set HOME or XDG_CONFIG_HOME")?;
    let path = dir.join(UNIT_NAME);
    let text = render_user_unit(plan, &env_file)?;
    let existed = path.exists();
    write_file(&path, &text, 0o644)?;
    println!(
        "{} the systemd user unit {}",
        if existed { "updated" } else { "wrote" },
        path.display()
    );
    println!("  ExecStart={}", plan.display_command());
    for note in &plan.notes {
        println!("note: {note}");
    }
    if env_file.exists() {
        println!("  it also reads {}", env_file.display());
    }
    reload();
    println!(
        "
To start syncrod now and at every login:
  systemctl --user enable --now {UNIT_NAME}
To keep it running after you log out (and start it at boot):
  sudo loginctl enable-linger \"$USER\"
Its logs:
  journalctl --user -u syncrod -f

System-wide instead (root; runs without anyone logged in): take
packaging/syncrod.service from the syncro sources, set User= to the account
whose config and cache it should use and ExecStart= to
  {command}
save it as /etc/systemd/system/{UNIT_NAME}, then:
  sudo systemctl daemon-reload && sudo systemctl enable --now {UNIT_NAME}",
        command = plan.display_command()
    );
    Ok(())
}

/// Disables and removes the user unit (nothing to do is not an error).
pub fn uninstall_user() -> Result<()> {
    let dir = user_unit_dir()
        .context("cannot find your config directory: set HOME or XDG_CONFIG_HOME")?;
    let path = dir.join(UNIT_NAME);
    if !path.exists() {
        println!(
            "no systemd user unit at {}; nothing to remove",
            path.display()
        );
        return Ok(());
    }
    match systemctl(&["--user", "disable", "--now", UNIT_NAME]) {
        Ok(()) => println!("stopped and disabled {UNIT_NAME}"),
        Err(why) => println!(
            "could not stop it here ({why}); if syncrod is still running, run:\n  systemctl --user disable --now {UNIT_NAME}"
        ),
    }
    // What `systemctl disable` would remove, in case it could not run.
    let wants = dir.join("default.target.wants").join(UNIT_NAME);
    if wants.symlink_metadata().is_ok() {
        std::fs::remove_file(&wants)
            .with_context(|| format!("cannot remove {}", wants.display()))?;
    }
    std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    println!("removed {}", path.display());
    reload();
    Ok(())
}

fn reload() {
    match systemctl(&["--user", "daemon-reload"]) {
        Ok(()) => println!("reloaded the systemd user manager"),
        Err(why) => println!(
            "could not reload systemd here ({why}); run:\n  systemctl --user daemon-reload"
        ),
    }
}

/// Runs `systemctl ARGS`; Err says why it did not work (absent included).
fn systemctl(args: &[&str]) -> std::result::Result<(), String> {
    match Command::new("systemctl")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
    {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err("systemctl is not installed".into())
        }
        Err(e) => Err(format!("cannot run systemctl: {e}")),
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            let err = err.lines().next().unwrap_or("").trim();
            Err(if err.is_empty() {
                format!("systemctl exited with {}", out.status)
            } else {
                format!("systemctl: {err}")
            })
        }
    }
}

fn utf8(p: &Path) -> Result<&str> {
    p.to_str().with_context(|| {
        format!(
            "{} is not valid UTF-8, which a systemd unit cannot hold",
            p.display()
        )
    })
}

/// `%` starts a specifier in unit files.
fn escape_specifiers(s: &str) -> String {
    s.replace('%', "%%")
}

/// One ExecStart word: quoted when it holds anything systemd would split
/// or expand.
fn quote(arg: &std::ffi::OsStr) -> Result<String> {
    let s = arg
        .to_str()
        .with_context(|| format!("{arg:?} is not valid UTF-8, which a systemd unit cannot hold"))?;
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:=@".contains(c));
    if plain {
        return Ok(s.to_string());
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn the_unit_is_notify_with_a_watchdog_and_quotes_odd_paths() -> TestResult {
        let plan = Plan {
            exe: PathBuf::from("/opt/my tools/syncrod"),
            config: Some(PathBuf::from("/home/a/100%/config.toml")),
            db: None,
            notes: Vec::new(),
        };
        let unit = render_user_unit(&plan, Path::new("/home/a/.config/syncro/syncrod.env"))?;
        assert!(unit.contains("Type=notify\n"), "{unit}");
        assert!(
            unit.contains(&format!("WatchdogSec={WATCHDOG_SEC}\n")),
            "{unit}"
        );
        assert!(unit.contains("Restart=on-failure\n"), "{unit}");
        assert!(
            unit.contains(
                "ExecStart=\"/opt/my tools/syncrod\" --config \"/home/a/100%%/config.toml\" run\n"
            ),
            "{unit}"
        );
        assert!(unit.contains("EnvironmentFile=-/home/a/.config/syncro/syncrod.env\n"));
        Ok(())
    }
}
