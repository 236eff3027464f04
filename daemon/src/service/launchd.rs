//! `syncrod install --user` on macOS: a launchd agent in
//! `~/Library/LaunchAgents`, started at login and restarted when it fails.
//! (packaging/local.syncro.syncrod.plist is the same file, annotated.)
#![cfg_attr(not(target_os = "macos"), allow(dead_code))]

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::unit::{write_file, Plan};

pub const LABEL: &str = "local.syncro.syncrod";

/// `~/Library/LaunchAgents/local.syncro.syncrod.plist`.
pub fn agent_path() -> Option<PathBuf> {
    dirs::home_dir().map(|h| {
        h.join("Library")
            .join("LaunchAgents")
            .join(format!("{LABEL}.plist"))
    })
}

/// The agent's property list.
pub fn render_plist(plan: &Plan) -> Result<String> {
    let mut args = String::new();
    for a in plan.command_line() {
        let a = a.to_str().with_context(|| {
            format!("{a:?} is not valid UTF-8, which a property list cannot hold")
        })?;
        args.push_str(&format!("\t\t<string>{}</string>\n", xml_escape(a)));
    }
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- syncrod as a launchd agent, written by "syncrod install" for this user.
     No API key here: syncrod reads it from the config's api_key_file or
     api_key_command. Logs: the data directory's logs/ folder. -->
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{LABEL}</string>
	<key>ProgramArguments</key>
	<array>
{args}	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>ThrottleInterval</key>
	<integer>10</integer>
	<key>ExitTimeOut</key>
	<integer>30</integer>
	<key>ProcessType</key>
	<string>Background</string>
</dict>
</plist>
"#
    ))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn install_user(plan: &Plan) -> Result<()> {
    let path = agent_path().context("cannot find your home directory: set HOME")?;
    let existed = path.exists();
    write_file(&path, &render_plist(plan)?, 0o644)?;
    println!(
        "{} the launchd agent {}",
        if existed { "updated" } else { "wrote" },
        path.display()
    );
    for note in &plan.notes {
        println!("note: {note}");
    }
    println!(
        "
To start syncrod now and at every login:
  launchctl bootstrap gui/$(id -u) {path}
(after an update: launchctl bootout gui/$(id -u)/{LABEL} first)",
        path = path.display()
    );
    Ok(())
}

pub fn uninstall_user() -> Result<()> {
    let path = agent_path().context("cannot find your home directory: set HOME")?;
    if !path.exists() {
        println!("no launchd agent at {}; nothing to remove", path.display());
        return Ok(());
    }
    println!("if syncrod is running, stop it first:\n  launchctl bootout gui/$(id -u)/{LABEL}");
    std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    println!("removed {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn the_plist_runs_the_binary_with_escaped_arguments() -> TestResult {
        let plan = Plan {
            exe: PathBuf::from("/Applications/S&S/syncrod"),
            config: None,
            db: None,
            notes: Vec::new(),
        };
        let plist = render_plist(&plan)?;
        assert!(
            plist.contains(
                "<string>/Applications/S&amp;S/syncrod</string>\n\t\t<string>run</string>"
            ),
            "{plist}"
        );
        assert!(plist.contains(LABEL));
        // XML comments may not contain "--".
        for comment in plist.split("<!--").skip(1) {
            let body = comment.split("-->").next().ok_or("unterminated comment")?;
            assert!(!body.contains("--"), "{body}");
        }
        Ok(())
    }
}
