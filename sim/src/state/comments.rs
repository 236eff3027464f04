//! A ticket's thread: GET /tickets/{id}/comments, POST
//! /tickets/{id}/comment, and `push_comment`, the one way any comment is
//! created (quirks, stamps and duplicate counting).
//!
//! Apart from `tickets` because comments are made from four places (the
//! API, `comments_attributes`, /admin/mutate, a colleague's look-alike)
//! and the blind-retry trap lives here.

use serde_json::{json, Value};

use super::listing::Paging;
use super::{Ids, State};
use crate::errors::{blank, Reject};
use crate::model::Comment;
use crate::normalise;
use crate::params::{self, Body};
use crate::values::Ts;

#[derive(Clone, Debug, Default)]
pub struct CommentFilter {
    pub descending: bool,
    pub by_updated: bool,
    pub created_after: Option<Ts>,
    pub created_before: Option<Ts>,
    pub updated_after: Option<Ts>,
    pub updated_before: Option<Ts>,
}

impl State {
    pub fn list_comments(
        &self,
        ticket_id: u64,
        f: &CommentFilter,
        p: Paging,
    ) -> Result<Value, Reject> {
        let t = self.tickets.get(&ticket_id).ok_or(Reject::NotFound)?;
        let mut hits: Vec<&Comment> = t
            .comments
            .iter()
            .filter(|c| f.created_after.is_none_or(|s| c.created_at > s))
            .filter(|c| f.created_before.is_none_or(|s| c.created_at < s))
            .filter(|c| f.updated_after.is_none_or(|s| c.updated_at > s))
            .filter(|c| f.updated_before.is_none_or(|s| c.updated_at < s))
            .collect();
        if f.by_updated {
            hits.sort_by_key(|c| (c.updated_at, c.id));
        } else {
            hits.sort_by_key(|c| (c.created_at, c.id));
        }
        if f.descending {
            hits.reverse();
        }
        let page: Vec<Value> = p
            .slice(&hits)
            .iter()
            .map(|c| c.to_list_json(&self.shape))
            .collect();
        Ok(json!({"comments": page, "meta": p.meta(hits.len(), false)}))
    }

    /// Appends a comment, bumps the ticket (unless
    /// `Shape::comment_bumps_ticket` is off), and counts it as a duplicate
    /// if its body repeats an earlier one on the ticket.
    ///
    /// Every way a comment is created goes through here (POST /comment,
    /// `comments_attributes` of POST/PUT /tickets, /admin/mutate's
    /// `add_comment`/`create_ticket`, since the web UI is the same server,
    /// and a `colleague_twin`'s look-alike), so the comment quirks rewrite
    /// subject and body here, before the duplicate check: a duplicate is
    /// judged on what was stored, and two identical posts are stored
    /// identically. The comment is the author's (`as_user`), the API key's
    /// user by default.
    pub(crate) fn push_comment(
        &mut self,
        ticket_id: u64,
        subject: String,
        body: String,
        tech: Option<String>,
        hidden: bool,
        do_not_email: bool,
    ) -> Result<Comment, Reject> {
        if !self.tickets.contains_key(&ticket_id) {
            return Err(Reject::NotFound);
        }
        let (subject, body) = normalise::comment(&self.quirks, subject, body);
        let bump = self.shape.comment_bumps_ticket;
        let now = self.stamp();
        let id = Ids::take(&mut self.ids.comment);
        let user_id = self.author_id();
        // A colleague's comment carries their name unless it names a tech.
        let tech = tech.or_else(|| {
            self.author
                .and_then(|a| self.user(a))
                .map(|u| u.full_name.clone())
        });
        let t = self.ticket_mut(ticket_id)?;
        let duplicate = t.comments.iter().any(|c| c.body == body);
        let comment = Comment {
            id,
            ticket_id,
            subject,
            body,
            tech,
            hidden,
            do_not_email,
            user_id,
            created_at: now,
            updated_at: now,
        };
        t.comments.push(comment.clone());
        if bump {
            t.updated_at = now;
        }
        if duplicate {
            *self.duplicate_comments.entry(ticket_id).or_default() += 1;
        }
        Ok(comment)
    }

    /// POST /tickets/{id}/comment: a *flat* object. A wrapped
    /// `{"comment": {...}}` has no top-level body/subject and gets the 422.
    /// `product_id`, `minutes_spent`, `bill_time_now` are dropped.
    pub fn add_comment(&mut self, ticket_id: u64, body: &Body) -> Result<Value, Reject> {
        if !self.tickets.contains_key(&ticket_id) {
            return Err(Reject::NotFound);
        }
        let text = params::present_text(body, "body");
        let subject = params::present_text(body, "subject");
        let mut missing = Vec::new();
        if text.is_none() {
            missing.push(blank("body", "Body"));
        }
        if subject.is_none() {
            missing.push(blank("subject", "Subject"));
        }
        let (Some(text), Some(subject)) = (text, subject) else {
            return Err(Reject::messages(missing));
        };
        let hidden = params::boolean(body, "hidden")?.unwrap_or(false);
        let do_not_email = params::boolean(body, "do_not_email")?.unwrap_or(false);
        let tech = params::present_text(body, "tech");
        let c = self.push_comment(ticket_id, subject, text, tech, hidden, do_not_email)?;
        Ok(json!({"comment": c.to_json(&self.shape)}))
    }
}
