//! The labor map (`syncro labor`, `list_labor_types`): every configured
//! labor type next to the product the cache knows for its id, flagged when
//! a bill against it would be wrong (an unknown or retired product) or odd
//! (not a labor product); and the labor products no type uses yet.
//!
//! The catalogue comes from syncrod, which lists it after the open tickets
//! and then hourly ([`syncro_store::PRODUCTS_REFRESH_SECS`]). Before its
//! first listing nothing can be checked, and nothing is flagged.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use syncro_store::{ProductRow, Store};

use super::Freshness;
use crate::context::{Cache, Ctx};
use crate::render::title_case;

/// The sync state of the catalogue.
const PRODUCTS: &str = "products";

/// What the cache says about a labor type's product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LaborCheck {
    /// A current labor product.
    Ok,
    /// The catalogue was never mirrored: nothing to check against.
    Unchecked,
    /// The catalogue does not have this id: a bill would use a product
    /// that does not exist (or one deleted since).
    UnknownProduct,
    /// The product is disabled in Syncro.
    Retired,
    /// The product exists but is not filed under a labor category.
    NotLabor,
}

impl LaborCheck {
    fn of(product: Option<&ProductRow>, mirrored: bool) -> LaborCheck {
        match product {
            None if mirrored => LaborCheck::UnknownProduct,
            None => LaborCheck::Unchecked,
            Some(p) if p.disabled => LaborCheck::Retired,
            Some(p) if !p.is_labor() => LaborCheck::NotLabor,
            Some(_) => LaborCheck::Ok,
        }
    }

    /// Whether a bill at this labor type would bill the wrong product
    /// (`syncro labor` then exits 1).
    pub fn is_problem(self) -> bool {
        matches!(self, LaborCheck::UnknownProduct | LaborCheck::Retired)
    }

    /// What is wrong, in a few words; `None` when nothing is.
    fn describe(self, product: Option<&ProductRow>, cached: i64) -> Option<String> {
        match self {
            LaborCheck::Ok => None,
            LaborCheck::Unchecked => {
                Some("not checked: the products were never mirrored".to_string())
            }
            LaborCheck::UnknownProduct => Some(format!(
                "unknown product id: not in the cache of {cached} products"
            )),
            LaborCheck::Retired => Some("retired: the product is disabled in Syncro".to_string()),
            LaborCheck::NotLabor => Some(format!(
                "not a labor product ({})",
                product
                    .and_then(ProductRow::category)
                    .map_or_else(|| "no category".to_string(), |c| format!("category {c}"))
            )),
        }
    }
}

/// One `[labor.<type>]` of the config and what the cache knows of its
/// product.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LaborType {
    /// The labor type, as `syncro bill --labor` and `queue_bill` take it.
    pub labor: String,
    /// The product id a bill's line item uses.
    pub product_id: i64,
    /// The configured hourly rate in dollars (what a bill charges,
    /// whatever the product's own price).
    pub rate: f64,
    /// The line item's name on a bill.
    pub line_name: String,
    /// The cached product with that id (`null`: not in the cache).
    pub product: Option<ProductRow>,
    pub check: LaborCheck,
    /// What is wrong, in a few words (`null` when `check` is `ok`).
    pub problem: Option<String>,
}

/// The labor map.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LaborAnswer {
    /// Freshness of the product catalogue (listed hourly, so `stale` allows
    /// an hour on top of `stale_after_secs`).
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Whether syncrod has listed the products at least once; until then
    /// nothing is checked.
    pub products_mirrored: bool,
    /// Products in the cache.
    pub products_cached: i64,
    /// Every configured labor type, by name.
    pub labor_types: Vec<LaborType>,
    /// Current labor products that no labor type uses, by name: candidates
    /// for a new or corrected `[labor.<type>]`.
    pub unused_labor_products: Vec<ProductRow>,
    /// Labor types whose bills would use an unknown or retired product.
    pub problems: usize,
}

pub fn query(ctx: &Ctx, cache: &impl Cache) -> Result<LaborAnswer> {
    let store = cache.store()?;
    let mirrored = mirrored(store)?;
    let products = store.products()?;
    let cached = i64::try_from(products.len()).unwrap_or(i64::MAX);
    let by_id: HashMap<i64, &ProductRow> = products.iter().map(|p| (p.id, p)).collect();
    let labor_types: Vec<LaborType> = ctx
        .config
        .labor
        .iter()
        .map(|(name, l)| {
            let product = by_id.get(&l.product_id).map(|p| (*p).clone());
            let check = LaborCheck::of(product.as_ref(), mirrored);
            LaborType {
                labor: name.clone(),
                product_id: l.product_id,
                rate: l.rate,
                line_name: line_name(name, l),
                problem: check.describe(product.as_ref(), cached),
                check,
                product,
            }
        })
        .collect();
    let used: HashSet<i64> = labor_types.iter().map(|t| t.product_id).collect();
    let unused_labor_products = products
        .iter()
        .filter(|p| p.is_labor() && !p.disabled && !used.contains(&p.id))
        .cloned()
        .collect();
    Ok(LaborAnswer {
        freshness: Freshness::of(ctx, store, &[PRODUCTS]),
        products_mirrored: mirrored,
        products_cached: cached,
        problems: labor_types.iter().filter(|t| t.check.is_problem()).count(),
        labor_types,
        unused_labor_products,
    })
}

/// The name of the line item a bill at this labor type adds (`syncro
/// bill`, and the labor map's `line_name`).
pub fn line_name(labor_key: &str, labor: &syncro_store::config::Labor) -> String {
    labor
        .name
        .clone()
        .unwrap_or_else(|| format!("Labor - {}", title_case(labor_key)))
}

/// Whether syncrod has listed the whole catalogue at least once.
fn mirrored(store: &Store) -> Result<bool> {
    Ok(store.sync_state(PRODUCTS)?.last_success_at.is_some())
}

/// The warning for a bill at labor type `labor` whose product the cache
/// knows to be unknown or retired (`None` otherwise, and when the catalogue
/// was never mirrored). A warning, not a refusal: the cache may be behind.
pub fn bill_warning(store: &Store, labor: &str, product_id: i64) -> Result<Option<String>> {
    let mirrored = mirrored(store)?;
    let product = store.product(product_id)?;
    let check = LaborCheck::of(product.as_ref(), mirrored);
    if !check.is_problem() {
        return Ok(None);
    }
    let problem = check
        .describe(product.as_ref(), store.product_count()?)
        .unwrap_or_default();
    Ok(Some(format!(
        "labor type {labor} bills product {product_id}: {problem}; check its product_id (`syncro labor`)"
    )))
}
