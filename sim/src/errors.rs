//! Why a request is refused: `Reject` (not found, or a 422 with the
//! endpoint's default body) and the `Problem`s behind a 422.
//!
//! At the bottom of the crate, importing nothing from it: `params` refuses
//! unreadable fields, `state` refuses invalid writes, `shape` renders the
//! problems in each endpoint's fixed format and `api` turns a `Reject` into
//! its answer, all without importing one another back.

use serde_json::{json, Value};

/// Why a query or mutation was refused.
#[derive(Debug, thiserror::Error)]
pub enum Reject {
    #[error("not found")]
    NotFound,
    #[error("unprocessable: {}", .0.body)]
    Invalid(Invalid),
}

/// A 422: the body the endpoint answers by default (its format differs
/// from endpoint to endpoint, as on the real service) and the problems
/// behind it, from which `Shape::error_shapes` renders the endpoint's fixed
/// format instead.
#[derive(Clone, Debug)]
pub struct Invalid {
    pub body: Value,
    pub problems: Vec<Problem>,
}

impl Reject {
    /// `{"success": false, "message": [...]}`, the most common 422.
    pub fn messages(problems: Vec<Problem>) -> Reject {
        let body = json!({"success": false, "message": Problem::fulls(&problems)});
        Reject::Invalid(Invalid { body, problems })
    }

    /// `{"error": "..."}`.
    pub fn error(problem: Problem) -> Reject {
        Reject::Invalid(Invalid {
            body: json!({"error": problem.full}),
            problems: vec![problem],
        })
    }

    /// A 422 with an endpoint's own default body.
    pub fn with_body(body: Value, problems: Vec<Problem>) -> Reject {
        Reject::Invalid(Invalid { body, problems })
    }
}

/// One thing wrong with a request, kept structured so that every error
/// shape can be rendered from it: the attribute (`"base"` when none), its
/// message without the attribute, and the full sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub attr: String,
    pub message: String,
    pub full: String,
}

impl Problem {
    /// A problem with a field: `label` starts the full sentence, e.g.
    /// `field("subject", "Subject", "can't be blank")` is "Subject can't be
    /// blank".
    pub fn field(attr: &str, label: &str, message: &str) -> Problem {
        Problem {
            attr: attr.to_string(),
            message: message.to_string(),
            full: format!("{label} {message}"),
        }
    }

    /// A problem with the request as a whole.
    pub fn base(full: &str) -> Problem {
        Problem {
            attr: "base".to_string(),
            message: full.to_string(),
            full: full.to_string(),
        }
    }

    pub fn fulls(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(|p| p.full.clone()).collect()
    }
}

/// "<Label> can't be blank", the most common problem.
pub fn blank(attr: &str, label: &str) -> Problem {
    Problem::field(attr, label, "can't be blank")
}
