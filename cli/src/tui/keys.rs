//! Key scripts for the headless screen (`syncro tui --headless 80x24 --keys
//! "/fuser<Enter>"`): typed characters as they are, named keys in angle
//! brackets (`<Enter>`, `<Esc>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`,
//! `<Tab>`, `<BackTab>`, `<Backspace>`, `<PageUp>`, `<PageDown>`, `<F2>`,
//! `<C-s>` for Ctrl+S, `<lt>` for `<`).

use anyhow::{bail, Result};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn parse(script: &str) -> Result<Vec<KeyEvent>> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let Some(end) = rest.find('>') else {
                bail!("unclosed <key> in {script:?}");
            };
            out.push(named(&rest[1..end])?);
            rest = &rest[end + 1..];
        } else {
            out.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

fn named(name: &str) -> Result<KeyEvent> {
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    Ok(match name {
        "Enter" => plain(KeyCode::Enter),
        "Esc" => plain(KeyCode::Esc),
        "Up" => plain(KeyCode::Up),
        "Down" => plain(KeyCode::Down),
        "Left" => plain(KeyCode::Left),
        "Right" => plain(KeyCode::Right),
        "Tab" => plain(KeyCode::Tab),
        "BackTab" => plain(KeyCode::BackTab),
        "Backspace" => plain(KeyCode::Backspace),
        "PageUp" => plain(KeyCode::PageUp),
        "PageDown" => plain(KeyCode::PageDown),
        "F2" => plain(KeyCode::F(2)),
        "lt" => plain(KeyCode::Char('<')),
        n => match n.strip_prefix("C-").and_then(|c| c.chars().next()) {
            Some(c) if n.len() == 3 => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
            _ => bail!("unknown key <{n}>"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_and_named_keys() {
        let keys = parse("/ab<Enter><C-s><lt>").expect("parses");
        assert_eq!(keys.len(), 6);
        assert_eq!(keys[3].code, KeyCode::Enter);
        assert_eq!(keys[4].modifiers, KeyModifiers::CONTROL);
        assert_eq!(keys[5].code, KeyCode::Char('<'));
        assert!(parse("<Nope>").is_err());
        assert!(parse("<Enter").is_err());
    }
}
