//! Questions: asked on a terminal (with `dialoguer`, on stderr so stdout
//! stays the command's answer), or answered by their defaults when there
//! is nobody to ask (`--yes`, or no terminal).

use std::io::IsTerminal;

use anyhow::{bail, Result};
use dialoguer::{Confirm, Input, Password};

pub enum Ask {
    Terminal,
    Never,
}

impl Ask {
    /// A terminal on stdin and stderr, and no `--yes`.
    pub fn detect(yes: bool) -> Ask {
        if !yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            Ask::Terminal
        } else {
            Ask::Never
        }
    }

    pub fn interactive(&self) -> bool {
        matches!(self, Ask::Terminal)
    }

    /// A line of text; the default when not asking (an error when there
    /// is none: `missing` says which flag supplies it).
    pub fn text(&self, prompt: &str, default: Option<&str>, missing: &str) -> Result<String> {
        match (self, default) {
            (Ask::Terminal, d) => {
                let mut input = Input::<String>::new().with_prompt(prompt);
                if let Some(d) = d {
                    input = input.default(d.to_string());
                }
                Ok(input.interact_text()?.trim().to_string())
            }
            (Ask::Never, Some(d)) => Ok(d.to_string()),
            (Ask::Never, None) => bail!("{missing}"),
        }
    }

    /// A secret, typed without echo.
    pub fn secret(&self, prompt: &str, missing: &str) -> Result<String> {
        match self {
            Ask::Terminal => Ok(Password::new()
                .with_prompt(prompt)
                .interact()?
                .trim()
                .to_string()),
            Ask::Never => bail!("{missing}"),
        }
    }

    pub fn confirm(&self, prompt: &str, default: bool) -> Result<bool> {
        match self {
            Ask::Terminal => Ok(Confirm::new()
                .with_prompt(prompt)
                .default(default)
                .interact()?),
            Ask::Never => Ok(default),
        }
    }
}
