//! Deterministic data: the same config (seed and anchor) gives the same
//! shop, so tests can rely on it and bugs can be replayed.
//!
//! About three years of history ending just before the anchor, most tickets
//! closed, a few percent open (mostly recent ones), realistic MSP text so the
//! daemon's full-text search has something to find. Built in one pass with a
//! single seeded RNG; 100k tickets take about a second.
//!
//! Long (about 900 lines): most of it is the vocabulary (subjects, threads,
//! companies, people) the text is made from, kept with the generator that
//! is its only user.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, DurationRound, SubsecRound};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::config::SimConfig;
use crate::model::{
    Comment, Customer, Invoice, InvoiceLineItem, Product, Qty, Ticket, TicketLineItem, Timer, User,
};
use crate::state::{server_now, Ids, State};
use crate::text::{self, Topic};
use crate::values::Ts;

/// First ids of each kind. Ticket ids and numbers differ on purpose.
pub const FIRST_TICKET_ID: u64 = 1000;
pub const FIRST_TICKET_NUMBER: u64 = 30000;
pub const FIRST_INVOICE_NUMBER: u64 = 24001;

/// Labor products the shop bills time with (ids 9001..=9007).
pub const LABOR_PRODUCTS: [(u64, &str, i64); 7] = [
    (9001, "Labor - Remote", 12_500),
    (9002, "Labor - Onsite", 15_000),
    (9003, "Labor - Emergency", 22_500),
    (9004, "Labor - Project", 14_000),
    (9005, "Labor - Internal", 0),
    (9006, "Labor - Travel", 7_500),
    (9007, "Labor - Website", 11_000),
];

const OTHER_PRODUCTS: [(u64, &str, &str, i64, i64, &str); 8] = [
    (
        9101,
        "Microsoft 365 Business Standard",
        "Monthly licence, per user",
        1_250,
        1_500,
        "Licensing",
    ),
    (
        9102,
        "Microsoft 365 Business Premium",
        "Monthly licence, per user",
        2_200,
        2_640,
        "Licensing",
    ),
    (
        9103,
        "HP 58A Black Toner",
        "Original HP LaserJet toner cartridge",
        9_500,
        12_999,
        "Supplies",
    ),
    (
        9104,
        "UniFi U6-Lite Access Point",
        "Wi-Fi 6 ceiling access point",
        9_900,
        14_900,
        "Hardware",
    ),
    (
        9105,
        "Dell WD19S Docking Station",
        "USB-C dock, 130 W",
        17_900,
        22_900,
        "Hardware",
    ),
    (
        9106,
        "1TB NVMe SSD",
        "Upgrade drive incl. cloning",
        7_900,
        11_900,
        "Hardware",
    ),
    (
        9107,
        "Managed Backup",
        "Monthly, per endpoint",
        500,
        900,
        "Services",
    ),
    (9108, "Domain Renewal", "One year", 1_500, 2_500, "Services"),
];

fn users(created: Ts) -> Vec<User> {
    let list = [
        (1, "Dana Whitfield", "Admins", true, "1e3e96"),
        (2, "Marcus Lee", "Technicians", false, "2e7d32"),
        (3, "Priya Raman", "Technicians", false, "c62828"),
        (4, "Tom Becker", "Technicians", false, "6a1b9a"),
        (5, "Elena Ortiz", "Technicians", false, "ef6c00"),
    ];
    list.iter()
        .map(|&(id, name, group, admin, color)| User {
            id,
            full_name: name.to_string(),
            email: format!(
                "{}@simulated-msp.example",
                name.split(' ')
                    .next()
                    .unwrap_or("tech")
                    .to_ascii_lowercase()
            ),
            group: group.to_string(),
            admin,
            color: color.to_string(),
            created_at: created,
        })
        .collect()
}

fn products() -> BTreeMap<u64, Product> {
    let labor = LABOR_PRODUCTS.iter().map(|&(id, name, cents)| Product {
        id,
        name: name.to_string(),
        description: format!("{name}, per hour"),
        price_cost_cents: 0,
        price_retail_cents: cents,
        taxable: false,
        product_category: Some("Labor".into()),
        disabled: false,
        quantity: 0,
    });
    let other = OTHER_PRODUCTS
        .iter()
        .map(|&(id, name, desc, cost, retail, cat)| Product {
            id,
            name: name.to_string(),
            description: desc.to_string(),
            price_cost_cents: cost,
            price_retail_cents: retail,
            taxable: cat != "Licensing" && cat != "Services",
            product_category: Some(cat.into()),
            disabled: false,
            quantity: 25,
        });
    labor.chain(other).map(|p| (p.id, p)).collect()
}

/// A uniformly random instant in `[a, b]`, whole milliseconds.
fn between(rng: &mut StdRng, a: Ts, b: Ts) -> Ts {
    let span = (b - a).num_milliseconds();
    if span <= 0 {
        return a;
    }
    a + Duration::milliseconds(rng.random_range(0..=span))
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

struct Vars<'a> {
    person: &'a str,
    host: &'a str,
    n: u32,
    tech: &'a str,
}

/// Expands `{p}`, `{h}`, `{n}`, `{t}` in one pass (no `replace` chains: this
/// runs a few hundred thousand times for a big data set).
fn fill(template: &str, v: &Vars<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 24);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (sub, skip): (Option<String>, usize) = match tail.get(..3) {
            Some("{p}") => (Some(v.person.to_string()), 3),
            Some("{h}") => (Some(v.host.to_string()), 3),
            Some("{n}") => (Some(v.n.to_string()), 3),
            Some("{t}") => (Some(v.tech.to_string()), 3),
            _ => (None, 1),
        };
        match sub {
            Some(s) => out.push_str(&s),
            None => out.push('{'),
        }
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn portal_key(rng: &mut StdRng) -> String {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..20)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect()
}

fn customers(rng: &mut StdRng, n: usize, from: Ts, to: Ts) -> BTreeMap<u64, Customer> {
    let mut out = BTreeMap::new();
    let mut names = HashSet::new();
    for i in 0..n {
        let id = i as u64 + 1;
        let first = pick(rng, text::FIRST_NAMES);
        let last = pick(rng, text::LAST_NAMES);
        let (city, state, zip, area) = *text::CITIES.choose(rng).unwrap_or(&text::CITIES[0]);
        let business = if rng.random_bool(0.7) {
            let base = format!(
                "{} {}{}",
                pick(rng, text::BUSINESS_PREFIXES),
                pick(rng, text::BUSINESS_KINDS),
                pick(rng, text::BUSINESS_SUFFIXES)
            );
            let mut name = base.clone();
            let mut k = 2;
            while !names.insert(name.clone()) {
                name = format!("{base} - {city} {k}");
                k += 1;
            }
            Some(name)
        } else {
            None
        };
        let email = match &business {
            Some(b) => {
                let words: Vec<&str> = b.split_whitespace().take(2).collect();
                format!(
                    "{}.{}@{}.com",
                    first.to_ascii_lowercase(),
                    last.to_ascii_lowercase(),
                    slug(&words.concat())
                )
            }
            None => format!(
                "{}{}{}@{}",
                first.to_ascii_lowercase(),
                last.to_ascii_lowercase(),
                rng.random_range(1..99),
                pick(rng, text::MAIL_DOMAINS)
            ),
        };
        let created = between(rng, from, to);
        let updated = between(rng, created, to);
        let c = Customer {
            id,
            firstname: first.to_string(),
            lastname: last.to_string(),
            business_name: business,
            email: Some(email),
            phone: Some(format!("({area}) 555-{:04}", rng.random_range(100..10_000))),
            mobile: rng
                .random_bool(0.5)
                .then(|| format!("({area}) 555-{:04}", rng.random_range(100..10_000))),
            address: Some(format!(
                "{} {}",
                rng.random_range(10..9_999),
                pick(rng, text::STREETS)
            )),
            city: Some(city.into()),
            state: Some(state.into()),
            zip: Some(zip.into()),
            notes: None,
            disabled: rng.random_bool(0.06),
            no_email: false,
            portal_key: portal_key(rng),
            created_at: created,
            updated_at: updated,
        };
        out.insert(id, c);
    }
    out
}

fn weighted<'a>(rng: &mut StdRng, items: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut r = rng.random_range(0..total.max(1));
    for (name, w) in items {
        if r < *w {
            return name;
        }
        r -= w;
    }
    items.first().map_or("", |i| i.0)
}

/// Builds the whole shop for a config. Public so benches can time it.
pub fn generate(config: &SimConfig) -> State {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let anchor = config
        .anchor
        .unwrap_or_else(|| server_now(&config.shape))
        .trunc_subsecs(3);
    let end = anchor - Duration::minutes(1);
    let start = anchor - Duration::days(3 * 365);
    let users = users(anchor - Duration::days(5 * 365));
    let products = products();
    let customers = customers(
        &mut rng,
        config.customers,
        anchor - Duration::days(4 * 365),
        start,
    );
    let customer_ids: Vec<u64> = customers.keys().copied().collect();
    let mut ids = Ids {
        customer: customer_ids.last().map_or(1, |c| c + 1),
        ticket: FIRST_TICKET_ID,
        ticket_number: FIRST_TICKET_NUMBER,
        comment: 1,
        line_item: 1,
        timer: 1,
        invoice: 1,
        invoice_number: FIRST_INVOICE_NUMBER,
        invoice_line_item: 1,
    };

    let mut created: Vec<Ts> = (0..config.tickets)
        .map(|_| between(&mut rng, start, end))
        .collect();
    created.sort_unstable();

    let mut tickets = BTreeMap::new();
    for created_at in created {
        if customer_ids.is_empty() {
            break;
        }
        let t = gen_ticket(
            &mut rng,
            &mut ids,
            &customers,
            &customer_ids,
            &users,
            &products,
            created_at,
            end,
            config.comments_per_ticket,
        );
        tickets.insert(t.id, t);
    }

    let invoices = gen_invoices(
        &mut rng,
        &mut ids,
        &mut tickets,
        &products,
        config.invoices,
        end,
    );

    State {
        customers,
        tickets,
        invoices,
        products,
        users,
        ids,
        last_stamp: end,
        duplicate_comments: BTreeMap::new(),
        quirks: config.quirks,
        shape: config.shape,
        author: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn gen_ticket(
    rng: &mut StdRng,
    ids: &mut Ids,
    customers: &BTreeMap<u64, Customer>,
    customer_ids: &[u64],
    users: &[User],
    products: &BTreeMap<u64, Product>,
    created_at: Ts,
    end: Ts,
    comments: usize,
) -> Ticket {
    // Ids have gaps (deleted tickets), numbers do not: id and number never
    // differ by a constant a confused client could get lucky with.
    let id = ids.ticket;
    ids.ticket += if rng.random_bool(0.15) {
        rng.random_range(2..=4)
    } else {
        1
    };
    let number = ids.ticket_number;
    ids.ticket_number += 1;

    // A few customers make most of the tickets.
    let u: f64 = rng.random();
    let idx = ((u * u) * customer_ids.len() as f64) as usize;
    let customer_id = customer_ids[idx.min(customer_ids.len() - 1)];
    let person_owned;
    let person: &str = match customers.get(&customer_id) {
        Some(c) if rng.random_bool(0.6) => &c.firstname,
        _ => {
            person_owned = pick(rng, text::FIRST_NAMES).to_string();
            &person_owned
        }
    };
    let host = format!(
        "{}-{:02}",
        pick(rng, text::HOST_PREFIXES),
        rng.random_range(1..40)
    );
    let tech_user = users.choose(rng);
    let tech_name = tech_user.map_or("Tech", |u| u.full_name.as_str());
    let tech_first = tech_name.split(' ').next().unwrap_or(tech_name);
    let vars = Vars {
        person,
        host: &host,
        n: rng.random_range(2..10),
        tech: tech_first,
    };
    let topic: &Topic = text::TOPICS.choose(rng).unwrap_or(&text::TOPICS[0]);

    let age = end - created_at;
    let open = if age < Duration::days(90) {
        rng.random_bool(0.75)
    } else {
        rng.random_bool(0.015)
    };
    let status = if open {
        weighted(
            rng,
            &[
                ("New", 30),
                ("In Progress", 25),
                ("Waiting on Customer", 15),
                ("Waiting on Vendor", 5),
                ("Waiting for Parts", 5),
                ("Customer Reply", 10),
                ("Scheduled", 10),
            ],
        )
    } else if rng.random_bool(0.6) {
        "Closed"
    } else {
        "Resolved"
    };
    // When the last thing happened on the ticket.
    let last = if open {
        between(rng, created_at, end)
    } else {
        let hours = 0.3 + rng.random::<f64>().powi(3) * 240.0;
        (created_at + Duration::minutes((hours * 60.0) as i64)).min(end)
    };

    let mut comment_list = Vec::with_capacity(comments);
    let mut used: Vec<String> = Vec::with_capacity(comments);
    for i in 0..comments {
        let is_last = i + 1 == comments && i > 0;
        let at = if i == 0 {
            created_at
        } else if is_last {
            last
        } else {
            let frac = (i as f64 + rng.random::<f64>() * 0.8) / comments as f64;
            created_at
                + Duration::milliseconds(
                    ((last - created_at).num_milliseconds() as f64 * frac) as i64,
                )
        };
        let (subject, template, tech, hidden) = if i == 0 {
            ("Initial Issue", pick(rng, topic.problems), None, false)
        } else if is_last && !open {
            (
                "Resolution",
                pick(rng, topic.resolutions),
                Some(tech_name),
                false,
            )
        } else {
            let hidden = rng.random_bool(0.2);
            let template = if rng.random_bool(0.7) {
                pick(rng, topic.updates)
            } else {
                pick(rng, text::GENERIC_UPDATES)
            };
            (
                if hidden { "Internal note" } else { "Update" },
                template,
                Some(tech_name),
                hidden,
            )
        };
        let mut body = fill(template, &vars);
        if used.contains(&body) {
            body.push_str(&format!(" (follow-up {i})"));
        }
        used.push(body.clone());
        comment_list.push(Comment {
            id: ids.comment,
            ticket_id: id,
            subject: subject.to_string(),
            body,
            tech: tech.map(str::to_string),
            hidden,
            do_not_email: hidden,
            user_id: tech.and(tech_user.map(|u| u.id)),
            created_at: at,
            updated_at: at,
        });
        ids.comment += 1;
    }
    let updated_at = comment_list
        .last()
        .map_or(created_at, |c| c.updated_at)
        .max(created_at);

    let mut line_items = Vec::new();
    let mut timers = Vec::new();
    if !open && rng.random_bool(0.45) {
        let lines = if rng.random_bool(0.2) { 2 } else { 1 };
        for _ in 0..lines {
            let pid = weighted(
                rng,
                &[
                    ("9001", 60),
                    ("9002", 20),
                    ("9003", 5),
                    ("9004", 5),
                    ("9006", 5),
                    ("9005", 3),
                    ("9007", 2),
                ],
            )
            .parse::<u64>()
            .unwrap_or(9001);
            let at = between(rng, created_at, updated_at);
            let quarters = rng.random_range(1..=12);
            line_items.push(labor_line(
                ids,
                products,
                id,
                pid,
                Qty(quarters * 2_500),
                topic.work,
                tech_user,
                at,
                line_items.len(),
            ));
        }
        if rng.random_bool(0.1) {
            let pid = 9101 + rng.random_range(0..OTHER_PRODUCTS.len() as u64);
            let at = between(rng, created_at, updated_at);
            line_items.push(labor_line(
                ids,
                products,
                id,
                pid,
                Qty::ONE,
                topic.work,
                tech_user,
                at,
                line_items.len(),
            ));
        }
    }
    if rng.random_bool(0.08) {
        let start_time = between(rng, created_at, updated_at)
            .duration_trunc(Duration::seconds(1))
            .unwrap_or(created_at);
        let secs = rng.random_range(10..=120) * 60;
        let product_id = if rng.random_bool(0.8) { 9001 } else { 9002 };
        let mut timer = Timer {
            id: ids.timer,
            ticket_id: id,
            user_id: tech_user.map(|u| u.id),
            start_time,
            end_time: Some(start_time + Duration::seconds(secs)),
            recorded: false,
            billable: true,
            notes: Some(topic.work.to_string()),
            product_id: Some(product_id),
            ticket_line_item_id: None,
            active_duration: Some(secs),
            created_at: start_time.min(updated_at),
            updated_at: start_time.min(updated_at),
        };
        ids.timer += 1;
        if !open && rng.random_bool(0.6) {
            let line = labor_line(
                ids,
                products,
                id,
                product_id,
                Qty::hours_from_secs(secs),
                topic.work,
                tech_user,
                timer.updated_at,
                line_items.len(),
            );
            timer.recorded = true;
            timer.ticket_line_item_id = Some(line.id);
            line_items.push(line);
        }
        timers.push(timer);
    }

    Ticket {
        id,
        number,
        subject: fill(pick(rng, topic.subjects), &vars),
        customer_id,
        status: status.to_string(),
        priority: Some(
            weighted(
                rng,
                &[("Normal", 65), ("High", 20), ("Low", 10), ("Urgent", 5)],
            )
            .to_string(),
        ),
        problem_type: Some(topic.problem_type.to_string()),
        user_id: if status == "New" && rng.random_bool(0.5) {
            None
        } else {
            tech_user.map(|u| u.id)
        },
        contact_id: None,
        ticket_type_id: None,
        due_date: Some((created_at + Duration::days(3)).trunc_subsecs(0)),
        start_at: None,
        end_at: None,
        resolved_at: (!open).then_some(last),
        tag_list: Vec::new(),
        properties: json!({}),
        created_at,
        updated_at,
        comments: comment_list,
        line_items,
        timers,
    }
}

#[allow(clippy::too_many_arguments)]
fn labor_line(
    ids: &mut Ids,
    products: &BTreeMap<u64, Product>,
    ticket_id: u64,
    product_id: u64,
    quantity: Qty,
    work: &str,
    tech: Option<&User>,
    at: Ts,
    existing: usize,
) -> TicketLineItem {
    let product = products.get(&product_id);
    let id = ids.line_item;
    ids.line_item += 1;
    TicketLineItem {
        id,
        ticket_id,
        user_id: tech.map(|u| u.id),
        product_id: Some(product_id),
        name: product.map_or_else(|| "Labor".to_string(), |p| p.name.clone()),
        description: work.to_string(),
        quantity,
        product_category: product.and_then(|p| p.product_category.clone()),
        taxable: product.is_some_and(|p| p.taxable),
        cost_cents: product.map(|p| p.price_cost_cents),
        retail_cents: product.map_or(0, |p| p.price_retail_cents),
        converted: false,
        position: existing as u32 + 1,
        created_at: at,
        updated_at: at,
    }
}

/// Invoices for closed tickets that have billable lines (adding a labor
/// line where there are too few), oldest first so numbers grow with dates.
fn gen_invoices(
    rng: &mut StdRng,
    ids: &mut Ids,
    tickets: &mut BTreeMap<u64, Ticket>,
    products: &BTreeMap<u64, Product>,
    count: usize,
    end: Ts,
) -> BTreeMap<u64, Invoice> {
    let week_ago = end - Duration::days(7);
    let closed =
        |t: &Ticket| (t.status == "Closed" || t.status == "Resolved") && t.updated_at < week_ago;
    let mut candidates: Vec<u64> = tickets
        .values()
        .filter(|t| closed(t) && !t.line_items.is_empty())
        .map(|t| t.id)
        .collect();
    if candidates.len() < count {
        let bare: Vec<u64> = tickets
            .values()
            .filter(|t| closed(t) && t.line_items.is_empty())
            .map(|t| t.id)
            .collect();
        let need = (count - candidates.len()).min(bare.len());
        for i in rand::seq::index::sample(rng, bare.len(), need) {
            let tid = bare[i];
            if let Some(t) = tickets.get_mut(&tid) {
                let quarters = rng.random_range(1..=8);
                let line = labor_line(
                    ids,
                    products,
                    tid,
                    9001,
                    Qty(quarters * 2_500),
                    "Remote support",
                    None,
                    t.updated_at,
                    0,
                );
                t.line_items.push(line);
                candidates.push(tid);
            }
        }
    }
    let take = count.min(candidates.len());
    let mut chosen: Vec<u64> = rand::seq::index::sample(rng, candidates.len(), take)
        .into_iter()
        .map(|i| candidates[i])
        .collect();
    chosen.sort_unstable();

    let mut invoices = BTreeMap::new();
    for tid in chosen {
        let Some(t) = tickets.get_mut(&tid) else {
            continue;
        };
        let id = ids.invoice;
        ids.invoice += 1;
        let number = ids.invoice_number.to_string();
        ids.invoice_number += 1;
        let created_at = (t.updated_at + Duration::minutes(rng.random_range(30..2_880))).min(end);
        let date = created_at
            .duration_trunc(Duration::days(1))
            .unwrap_or(created_at);
        let mut lines = Vec::new();
        for l in t.line_items.iter_mut().filter(|l| !l.converted) {
            l.converted = true;
            l.updated_at = created_at;
            lines.push(InvoiceLineItem {
                id: ids.invoice_line_item,
                invoice_id: id,
                item: l.name.clone(),
                name: l.description.clone(),
                product_id: l.product_id,
                quantity: l.quantity,
                price_cents: l.retail_cents,
                cost_cents: l.cost_cents.unwrap_or(0),
                taxable: l.taxable,
                position: lines.len() as u32 + 1,
                ticket_line_item_id: Some(l.id),
                created_at,
                updated_at: created_at,
            });
            ids.invoice_line_item += 1;
        }
        t.updated_at = t.updated_at.max(created_at);
        if rng.random_bool(0.7) {
            t.status = "Invoiced".into();
        }
        let old = created_at < end - Duration::days(45);
        let is_paid = rng.random_bool(if old { 0.9 } else { 0.3 });
        let updated_at = if is_paid {
            (created_at + Duration::days(rng.random_range(1..30))).min(end)
        } else {
            created_at
        };
        invoices.insert(
            id,
            Invoice {
                id,
                number,
                customer_id: t.customer_id,
                ticket_id: Some(tid),
                category: Some("Standard".into()),
                date,
                due_date: date + Duration::days(14),
                is_paid,
                note: None,
                po_number: None,
                user_id: Some(1),
                created_at,
                updated_at,
                line_items: lines,
            },
        );
    }
    invoices
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn cfg(seed: u64, tickets: usize) -> SimConfig {
        SimConfig {
            seed,
            tickets,
            customers: 50,
            invoices: 40,
            anchor: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single(),
            ..SimConfig::default()
        }
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = generate(&cfg(7, 300)).dump();
        let b = generate(&cfg(7, 300)).dump();
        let c = generate(&cfg(8, 300)).dump();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn counts_ids_and_numbers() {
        let s = generate(&cfg(1, 500));
        assert_eq!(s.ticket_count(), 500);
        assert_eq!(s.customer_count(), 50);
        assert_eq!(s.invoice_count(), 40);
        assert_eq!(s.comment_count(), 500 * 3);
        let first = s.tickets.values().next().map(|t| (t.id, t.number));
        assert_eq!(first, Some((FIRST_TICKET_ID, FIRST_TICKET_NUMBER)));
        // Gaps in ids make id - number vary.
        let diffs: HashSet<i64> = s
            .tickets
            .values()
            .map(|t| t.number as i64 - t.id as i64)
            .collect();
        assert!(diffs.len() > 10);
        for id in 9001..=9007 {
            assert!(s.products.contains_key(&id));
        }
    }

    #[test]
    fn history_is_plausible() {
        let c = cfg(3, 2000);
        let s = generate(&c);
        let anchor = c.anchor.unwrap_or_else(Utc::now);
        let open = s
            .tickets
            .values()
            .filter(|t| crate::model::OPEN_STATUSES.contains(&t.status.as_str()))
            .count();
        assert!((60..=240).contains(&open), "{open} open tickets of 2000");
        for t in s.tickets.values() {
            assert!(t.updated_at < anchor && t.created_at <= t.updated_at);
            assert!(t.created_at > anchor - Duration::days(3 * 365 + 1));
            assert!(t
                .comments
                .windows(2)
                .all(|w| w[0].created_at <= w[1].created_at));
            assert!(t.comments.iter().all(|c| c.created_at <= t.updated_at));
            let mut bodies: Vec<&str> = t.comments.iter().map(|c| c.body.as_str()).collect();
            bodies.sort_unstable();
            bodies.dedup();
            assert_eq!(
                bodies.len(),
                t.comments.len(),
                "duplicate bodies on {}",
                t.id
            );
            assert!(!t.subject.contains('{'));
        }
        let outlook = s
            .tickets
            .values()
            .filter(|t| t.subject.contains("Outlook"))
            .count();
        assert!(outlook > 20);
        assert!(s.customers.values().any(|c| c.disabled));
        assert!(s.customers.values().any(|c| c.business_name.is_none()));
        for inv in s.invoices.values() {
            assert!(!inv.line_items.is_empty());
            assert!(inv.number.parse::<u64>().is_ok());
        }
        assert!(s
            .tickets
            .values()
            .any(|t| t.timers.iter().any(|x| x.recorded)));
    }

    #[test]
    fn fill_expands_known_placeholders_only() {
        let v = Vars {
            person: "Ann",
            host: "PC-01",
            n: 4,
            tech: "Tom",
        };
        assert_eq!(
            fill("{p} on {h} x{n} by {t} {x}", &v),
            "Ann on PC-01 x4 by Tom {x}"
        );
        assert_eq!(fill("trailing {", &v), "trailing {");
    }
}
