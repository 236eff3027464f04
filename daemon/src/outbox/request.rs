//! The HTTP request each outbox command becomes, and where its answer
//! keeps the new record's id.

use reqwest::Method;
use serde_json::{json, Map, Value};
use syncro_store::json::int;
use syncro_store::outbox::Command;

/// Method, path and JSON body for a command on ticket `ticket_id`.
/// Bodies are flat objects: Syncro refuses a wrapped comment with
/// "Body can't be blank". Only fields being changed are sent.
pub fn build(
    cmd: &Command,
    ticket_id: Option<i64>,
    customer_id: Option<i64>,
) -> (Method, String, Value) {
    let t = ticket_id.unwrap_or_default();
    match cmd {
        Command::AddComment {
            subject,
            body,
            hidden,
            do_not_email,
            tech,
        } => {
            let mut b = json!({"subject": subject, "body": body, "hidden": hidden, "do_not_email": do_not_email});
            if let Some(tech) = tech {
                b["tech"] = json!(tech);
            }
            (Method::POST, format!("/tickets/{t}/comment"), b)
        }
        Command::UpdateTicket { fields } => (
            Method::PUT,
            format!("/tickets/{t}"),
            serde_json::to_value(fields).unwrap_or_else(|_| json!({})),
        ),
        Command::CreateTicket {
            customer_id,
            subject,
            problem_type,
            priority,
            status,
            body,
        } => {
            let mut b = Map::new();
            b.insert("customer_id".into(), json!(customer_id));
            b.insert("subject".into(), json!(subject));
            for (k, v) in [
                ("problem_type", problem_type),
                ("priority", priority),
                ("status", status),
            ] {
                if let Some(v) = v {
                    b.insert(k.into(), json!(v));
                }
            }
            if let Some(body) = body {
                b.insert(
                    "comments_attributes".into(),
                    json!([{"subject": "Initial Issue", "body": body, "hidden": false}]),
                );
            }
            (Method::POST, "/tickets".into(), Value::Object(b))
        }
        Command::AddLineItem {
            product_id,
            name,
            description,
            quantity,
            price_retail,
        } => {
            // `price_retail` is the only field that sets a price; `price`,
            // `rate` and friends are silently dropped by the server.
            let mut b = json!({"name": name, "description": description, "quantity": quantity,
                               "price_retail": price_retail, "taxable": false});
            if let Some(p) = product_id {
                b["product_id"] = json!(p);
            }
            (Method::POST, format!("/tickets/{t}/add_line_item"), b)
        }
        Command::UpdateLineItem {
            line_item_id,
            quantity,
            price_retail,
            name,
            description,
        } => {
            let mut b = json!({"ticket_line_item_id": line_item_id});
            if let Some(q) = quantity {
                b["quantity"] = json!(q);
            }
            if let Some(p) = price_retail {
                b["price_retail"] = json!(p);
            }
            if let Some(n) = name {
                b["name"] = json!(n);
            }
            if let Some(d) = description {
                b["description"] = json!(d);
            }
            (Method::PUT, format!("/tickets/{t}/update_line_item"), b)
        }
        Command::RemoveLineItem { line_item_id } => (
            Method::POST,
            format!("/tickets/{t}/remove_line_item"),
            json!({"ticket_line_item_id": line_item_id}),
        ),
        Command::AddTimer {
            start_at,
            end_at,
            notes,
            billable,
            product_id,
        } => {
            let mut b = json!({"start_at": start_at, "end_at": end_at, "billable": billable});
            if let Some(n) = notes {
                b["notes"] = json!(n);
            }
            if let Some(p) = product_id {
                b["product_id"] = json!(p);
            }
            (Method::POST, format!("/tickets/{t}/timer_entry"), b)
        }
        Command::UpdateTimer {
            timer_id,
            start_at,
            end_at,
            notes,
            billable,
            product_id,
        } => {
            let mut b = json!({"timer_entry_id": timer_id});
            if let Some(s) = start_at {
                b["start_at"] = json!(s);
            }
            // A changed duration does not move end_time: send end_at itself.
            if let Some(e) = end_at {
                b["end_at"] = json!(e);
            }
            if let Some(n) = notes {
                b["notes"] = json!(n);
            }
            if let Some(x) = billable {
                b["billable"] = json!(x);
            }
            if let Some(p) = product_id {
                b["product_id"] = json!(p);
            }
            (Method::PUT, format!("/tickets/{t}/update_timer_entry"), b)
        }
        Command::DeleteTimer { timer_id } => (
            Method::POST,
            format!("/tickets/{t}/delete_timer_entry"),
            json!({"timer_entry_id": timer_id}),
        ),
        Command::ChargeTimer { timer_id } => (
            Method::POST,
            format!("/tickets/{t}/charge_timer_entry"),
            json!({"timer_entry_id": timer_id}),
        ),
        Command::CreateInvoice {} => (
            Method::POST,
            "/invoices".into(),
            json!({"ticket_id": t, "customer_id": customer_id, "category": "Standard"}),
        ),
    }
}

/// The id of the record a create made, from wherever the endpoint puts it
/// (a comment's is at `.comment.id`, not `.id`: reading the wrong path and
/// concluding the post failed is how duplicates were made by hand).
pub fn created_id(cmd: &Command, resp: &Value) -> Option<i64> {
    let nested = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| resp.get(*k).and_then(|o| int(o, "id")))
            .or_else(|| int(resp, "id"))
    };
    match cmd {
        Command::AddComment { .. } => nested(&["comment"]),
        Command::CreateTicket { .. } => nested(&["ticket"]),
        Command::AddLineItem { .. } => nested(&["line_item", "ticket_line_item"]),
        Command::AddTimer { .. } => nested(&["timer_entry", "ticket_timer"]),
        Command::CreateInvoice {} => nested(&["invoice"]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_flat_and_ids_come_from_the_right_path() {
        let cmd = Command::AddComment {
            subject: "Update".into(),
            body: "Fixed".into(),
            hidden: true,
            do_not_email: true,
            tech: Some("Jo".into()),
        };
        let (m, path, body) = build(&cmd, Some(7), None);
        assert_eq!((m, path.as_str()), (Method::POST, "/tickets/7/comment"));
        assert!(body.get("comment").is_none());
        assert_eq!(body["body"], "Fixed");
        assert_eq!(created_id(&cmd, &json!({"comment": {"id": 42}})), Some(42));
        assert_eq!(created_id(&cmd, &json!({"success": true})), None);
    }

    #[test]
    fn line_items_send_price_retail() {
        let cmd = Command::AddLineItem {
            product_id: Some(9001),
            name: "Labor".into(),
            description: "d".into(),
            quantity: 0.5,
            price_retail: 125.0,
        };
        let (_, _, body) = build(&cmd, Some(7), None);
        assert_eq!(body["price_retail"], 125.0);
        assert!(body.get("price").is_none());
    }
}
