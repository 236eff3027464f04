//! Asking before queueing, and the editor for comment text.
//!
//! Rules: `--yes` never asks; otherwise stdin must be a terminal to ask,
//! and a non-terminal stdin refuses (a script must say `--yes`).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Context as _, Result};

/// Proceeds, or fails with why nothing was queued.
pub fn confirm(yes: bool, question: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("nothing queued: stdin is not a terminal, so there is no one to confirm; re-run with --yes to queue it");
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut err = std::io::stderr();
    if ask(&mut input, &mut err, question).context("cannot read the answer from stdin")? {
        Ok(())
    } else {
        bail!("nothing queued: not confirmed")
    }
}

/// Writes `question [y/N] ` and reads one line: true only for y/yes.
pub fn ask(
    input: &mut impl BufRead,
    out: &mut impl Write,
    question: &str,
) -> std::io::Result<bool> {
    write!(out, "{question} [y/N] ")?;
    out.flush()?;
    let mut line = String::new();
    input.read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// The user's editor: `$VISUAL`, else `$EDITOR`, else `vi`.
pub fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Opens `editor` on a temporary file and returns what was saved. The
/// editor command may carry arguments (`code --wait`), as with git.
pub fn edit_text(editor: &str) -> Result<String> {
    let file = tempfile::Builder::new()
        .prefix("syncro-comment-")
        .suffix(".txt")
        .tempfile()
        .context("cannot create a temporary file for the editor")?;
    let path = file.path().to_path_buf();
    #[cfg(unix)]
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status();
    #[cfg(not(unix))]
    let status = std::process::Command::new(editor).arg(&path).status();
    let status = status.with_context(|| format!("cannot start the editor {editor:?}"))?;
    if !status.success() {
        bail!("the editor {editor:?} exited with {status}; nothing queued");
    }
    std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the edited text from {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn only_yes_confirms() -> TestResult {
        for (answer, expected) in [
            ("y\n", true),
            ("YES\n", true),
            ("n\n", false),
            ("\n", false),
            ("", false),
            ("yep\n", false),
        ] {
            let mut out = Vec::new();
            let got = ask(&mut answer.as_bytes(), &mut out, "Queue it?")?;
            assert_eq!(got, expected, "{answer:?}");
            assert_eq!(String::from_utf8(out)?, "Queue it? [y/N] ");
        }
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn the_editor_may_carry_arguments_and_its_text_is_returned() -> TestResult {
        let dir = tempfile::tempdir()?;
        let script = dir.path().join("fake-editor");
        std::fs::write(&script, "#!/bin/sh\nprintf '%s\\n' \"$1 text\" > \"$2\"\n")?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
        let text = edit_text(&format!("{} edited", script.display()))?;
        assert_eq!(text, "edited text\n");
        assert!(edit_text("false").is_err());
        Ok(())
    }
}
