//! The tool list an agent pays for before its first question, made lean.
//!
//! schemars writes complete JSON Schemas: `$schema`, titles, formats,
//! `["string", "null"]` for every optional field, shared definitions under
//! `$defs`, and a description on every nested field. An agent needs far less
//! to call a tool right: each argument's type, whether it is required, and a
//! sentence where the name does not say it all. So every tool's schemas are
//! rewritten once, when the server starts:
//! - inputs keep their argument descriptions; optional fields become plain
//!   types (optional is "not in `required`");
//! - outputs name the few top-level fields an agent looks for first, with
//!   their types (the rest of the answer describes itself; JSON Schema lets
//!   an answer carry more than its schema names);
//! - whatever may be null in an answer is left out of `required`, because
//!   answers omit nulls (see `lean::Lean`).

use serde_json::{Map, Value};

type Object = Map<String, Value>;

/// Keys no caller needs.
/// (`additionalProperties: false` too: unknown arguments are refused when
/// called, with a sentence saying so, whether the schema says it or not.)
const NOISE: [&str; 7] = [
    "$schema",
    "title",
    "format",
    "examples",
    "$comment",
    "minimum",
    "additionalProperties",
];

/// Output descriptions longer than this are dropped (the tool's
/// description and the field name carry the meaning).
const OUTPUT_DESCRIPTION_MAX: usize = 90;

/// Arguments the server's instructions explain once for every tool, so
/// their description is not repeated in each schema.
const EXPLAINED_ONCE: [&str; 2] = ["number", "dry_run"];

/// Rewrites an input schema in place (see the module doc).
pub fn lean_input(schema: &mut Object) {
    let defs = take_defs(schema);
    merge_actions(schema, &defs);
    simplify(schema, &defs, None);
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for name in EXPLAINED_ONCE {
            if let Some(Value::Object(p)) = props.get_mut(name) {
                p.remove("description");
            }
        }
    }
}

/// A tool whose input is one of several actions (`{"action": "add", ...}`,
/// a tagged enum) as one flat object: every action's arguments, `action`
/// as an enum, and required only what every action requires. An agent
/// reads one list of arguments; the call is still checked against the
/// action it names, with a sentence saying what is missing.
fn merge_actions(schema: &mut Object, defs: &Object) {
    let Some(Value::Array(alts)) = schema.get("oneOf") else {
        return;
    };
    let mut parts = Vec::new();
    for alt in alts {
        let mut props = Object::new();
        let mut required = Vec::new();
        collect_object(alt, defs, &mut props, &mut required);
        if props.is_empty() {
            return;
        }
        parts.push((props, required));
    }
    let mut merged = Object::new();
    let mut tags: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for (props, _) in &parts {
        for (name, p) in props {
            let tag = p.get("const").or_else(|| {
                p.get("enum")
                    .and_then(Value::as_array)
                    .filter(|e| e.len() == 1)
                    .and_then(|e| e.first())
            });
            match tag {
                Some(t) => {
                    let values = tags.entry(name.clone()).or_default();
                    if !values.contains(t) {
                        values.push(t.clone());
                    }
                }
                None => {
                    merged.entry(name.clone()).or_insert_with(|| p.clone());
                }
            }
        }
    }
    for (name, values) in tags {
        merged.insert(name, serde_json::json!({"type": "string", "enum": values}));
    }
    let required: Vec<Value> = parts
        .first()
        .map(|(_, first)| {
            first
                .iter()
                .filter(|r| parts.iter().all(|(_, req)| req.contains(r)))
                .map(|r| Value::String(r.clone()))
                .collect()
        })
        .unwrap_or_default();
    schema.remove("oneOf");
    schema.insert("type".into(), Value::String("object".into()));
    schema.insert("properties".into(), Value::Object(merged));
    schema.insert("required".into(), Value::Array(required));
}

/// The properties and required names of an object schema, through `$ref`
/// and `allOf`.
fn collect_object(v: &Value, defs: &Object, props: &mut Object, required: &mut Vec<String>) {
    let Some(o) = v.as_object() else { return };
    if let Some(Value::String(r)) = o.get("$ref") {
        if let Some(target) = resolve(r, defs) {
            collect_object(target, defs, props, required);
        }
    }
    if let Some(Value::Array(all)) = o.get("allOf") {
        for part in all {
            collect_object(part, defs, props, required);
        }
    }
    if let Some(Value::Object(p)) = o.get("properties") {
        for (k, v) in p {
            props.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    if let Some(Value::Array(r)) = o.get("required") {
        for name in r.iter().filter_map(Value::as_str) {
            if !required.iter().any(|x| x == name) {
                required.push(name.to_string());
            }
        }
    }
}

/// Rewrites an output schema in place: the top-level fields in `keep`
/// (all when empty), their types only.
pub fn lean_output(schema: &mut Object, keep: &[&str]) {
    let defs = take_defs(schema);
    simplify(schema, &defs, Some(0));
    schema.remove("description");
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        if !keep.is_empty() {
            props.retain(|k, _| keep.contains(&k.as_str()));
        }
        for p in props.values_mut() {
            if let Value::Object(p) = p {
                p.remove("description");
                p.remove("enum");
            }
        }
    }
    // Which fields are always there is the answer's business: an agent
    // reads what came.
    schema.remove("required");
}

/// `anyOf`/`oneOf` alternatives that are all plain string constants (a
/// documented enum) as one `enum`; all plain types as a list of types.
fn merge_alternatives(schema: &mut Object) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(alts)) = schema.get(key) else {
            continue;
        };
        let mut values = Vec::new();
        let constants = alts.iter().all(|a| {
            let typed = a.get("type").is_none_or(|t| t == "string");
            match (a.get("const"), a.get("enum")) {
                (Some(c @ Value::String(_)), _) if typed => {
                    values.push(c.clone());
                    true
                }
                (None, Some(Value::Array(e))) if typed && e.iter().all(Value::is_string) => {
                    values.extend(e.iter().cloned());
                    true
                }
                _ => false,
            }
        });
        if constants && !values.is_empty() {
            schema.remove(key);
            schema.insert("type".into(), Value::String("string".into()));
            schema.insert("enum".into(), Value::Array(values));
            return;
        }
        let plain: Option<Vec<Value>> = alts
            .iter()
            .map(|a| match a.as_object() {
                Some(o) if o.len() == 1 => o.get("type").cloned(),
                _ => None,
            })
            .collect();
        if let Some(types) = plain {
            schema.remove(key);
            schema.insert("type".into(), Value::Array(types));
            return;
        }
    }
}

fn take_defs(schema: &mut Object) -> Object {
    match schema
        .remove("$defs")
        .or_else(|| schema.remove("definitions"))
    {
        Some(Value::Object(d)) => d,
        _ => Object::new(),
    }
}

/// The definition a `$ref` points at.
fn resolve<'a>(reference: &str, defs: &'a Object) -> Option<&'a Value> {
    let name = reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))?;
    defs.get(name)
}

/// `depth`: `None` for inputs (everything kept), `Some(d)` for outputs
/// (the depth of this schema below the answer's top level).
fn simplify(schema: &mut Object, defs: &Object, depth: Option<usize>) {
    // Inline a reference (definitions are small and used once or twice).
    // (A type's own description is about the type, not this argument.)
    if let Some(Value::String(r)) = schema.remove("$ref") {
        if let Some(Value::Object(target)) = resolve(&r, defs) {
            for (k, v) in target.iter().filter(|(k, _)| *k != "description") {
                schema.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    for k in NOISE {
        schema.remove(k);
    }
    if matches!(
        schema.get("default"),
        Some(Value::Null | Value::Bool(false))
    ) || schema
        .get("default")
        .is_some_and(|d| d.as_array().is_some_and(Vec::is_empty))
    {
        schema.remove("default");
    }
    // `anyOf: [X, null]` / `oneOf: [X, null]` is X, optional.
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = schema.get(key) {
            let rest: Vec<Value> = alts
                .iter()
                .filter(|a| a.get("type") != Some(&Value::String("null".into())))
                .cloned()
                .collect();
            if rest.len() == 1 && rest.len() < alts.len() {
                schema.remove(key);
                if let Value::Object(only) = &rest[0] {
                    for (k, v) in only {
                        schema.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                return simplify(schema, defs, depth);
            }
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = schema.get_mut(key) {
            for a in alts.iter_mut() {
                if let Value::Object(a) = a {
                    for k in NOISE {
                        a.remove(k);
                    }
                    a.remove("description");
                }
            }
        }
    }
    merge_alternatives(schema);
    // `type: [T, "null"]` is T, optional.
    if let Some(Value::Array(types)) = schema.get("type") {
        let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let one = if rest.len() == 1 {
            rest[0].clone()
        } else {
            Value::Array(rest)
        };
        schema.insert("type".into(), one);
    }
    if let Some(d) = depth {
        if schema
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|s| d > 1 || s.len() > OUTPUT_DESCRIPTION_MAX || s.contains('\n'))
        {
            schema.remove("description");
        }
        if d >= 1 {
            // Nested rows describe themselves in the answer.
            for k in [
                "properties",
                "items",
                "required",
                "additionalProperties",
                "anyOf",
                "oneOf",
                "allOf",
            ] {
                schema.remove(k);
            }
            if schema
                .get("enum")
                .is_some_and(|e| e.as_array().is_some_and(|a| a.len() > 12))
            {
                schema.remove("enum");
            }
            return;
        }
    }
    let mut nullable = Vec::new();
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for (name, p) in props.iter_mut() {
            if let Value::Object(p) = p {
                if may_be_null(p, defs) {
                    nullable.push(name.clone());
                }
                simplify(p, defs, depth.map(|d| d + 1));
            }
        }
    }
    if let Some(Value::Array(req)) = schema.get_mut("required") {
        req.retain(|r| !nullable.iter().any(|n| r == n));
        if req.is_empty() {
            schema.remove("required");
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(Value::Object(inner)) = schema.get_mut(key) {
            simplify(inner, defs, depth.map(|d| d + 1));
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(alts)) = schema.get_mut(key) {
            for a in alts.iter_mut() {
                if let Value::Object(a) = a {
                    simplify(a, defs, depth);
                }
            }
        }
    }
}

/// Whether a property may be null (and so may be left out of an answer).
fn may_be_null(p: &Object, defs: &Object) -> bool {
    let nully = |v: &Value| v == "null" || v.get("type") == Some(&Value::String("null".into()));
    match p.get("type") {
        Some(Value::Array(ts)) if ts.iter().any(nully) => return true,
        _ => {}
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = p.get(key) {
            if alts.iter().any(nully) {
                return true;
            }
        }
    }
    if let Some(Value::String(r)) = p.get("$ref") {
        if let Some(Value::Object(t)) = resolve(r, defs) {
            return may_be_null(t, defs);
        }
    }
    false
}

/// Annotations said only where they differ from MCP's defaults (a tool is
/// assumed writing, destructive, not idempotent and open-world), and
/// without a title (clients show the name).
pub fn lean_annotations(a: &mut rmcp::model::ToolAnnotations) {
    a.title = None;
    if a.read_only_hint == Some(false) {
        a.read_only_hint = None;
    }
    if a.idempotent_hint == Some(false) {
        a.idempotent_hint = None;
    }
    if a.open_world_hint == Some(true) {
        a.open_world_hint = None;
    }
    if a.destructive_hint == Some(true) || a.read_only_hint == Some(true) {
        // A read-only tool is never destructive; a destructive one is the
        // default.
        a.destructive_hint = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        match v {
            Value::Object(o) => o,
            _ => panic!("an object"),
        }
    }

    #[test]
    fn inputs_keep_their_arguments_and_lose_the_noise() {
        let mut s = obj(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Args", "type": "object",
            "properties": {
                "customer": {"type": "integer", "format": "int64", "description": "Its id."},
                "number": {"type": "integer", "description": "Said once, in the instructions."},
                "subject": {"type": ["string", "null"], "default": null},
                "kind": {"$ref": "#/$defs/Kind"}
            },
            "required": ["customer", "subject", "kind"],
            "$defs": {"Kind": {"type": "string", "enum": ["a", "b"]}}
        }));
        lean_input(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"type": "object", "properties": {
                "customer": {"type": "integer", "description": "Its id."},
                "number": {"type": "integer"},
                "subject": {"type": "string"},
                "kind": {"type": "string", "enum": ["a", "b"]}
            }, "required": ["customer", "kind"]})
        );
    }

    #[test]
    fn actions_become_one_flat_object() {
        // What schemars writes for `#[serde(tag = "action")]` over structs.
        let mut s = obj(json!({
            "type": "object",
            "oneOf": [
                {"type": "object", "$ref": "#/$defs/Add",
                 "properties": {"action": {"type": "string", "const": "add"}},
                 "required": ["action"]},
                {"type": "object", "allOf": [{"$ref": "#/$defs/Remove"}],
                 "properties": {"action": {"type": "string", "const": "remove"}},
                 "required": ["action"]}
            ],
            "$defs": {
                "Add": {"type": "object", "properties": {
                    "number": {"type": "integer"},
                    "name": {"type": "string", "description": "What it is."}
                }, "required": ["number", "name"]},
                "Remove": {"type": "object", "properties": {
                    "number": {"type": "integer"},
                    "line_item_id": {"type": "integer"}
                }, "required": ["number", "line_item_id"]}
            }
        }));
        lean_input(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"type": "object", "properties": {
                "action": {"type": "string", "enum": ["add", "remove"]},
                "number": {"type": "integer"},
                "name": {"type": "string", "description": "What it is."},
                "line_item_id": {"type": "integer"}
            }, "required": ["number", "action"]})
        );
    }

    #[test]
    fn outputs_keep_the_top_level_and_leave_out_what_may_be_missing() {
        let mut s = obj(json!({
            "type": "object",
            "properties": {
                "id": {"type": "integer", "description": "Its outbox id."},
                "error": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "items": {"type": "array", "items": {"$ref": "#/$defs/Row"}},
                "flag": {"type": "boolean"}
            },
            "required": ["id", "error", "items", "flag"],
            "$defs": {"Row": {"type": "object", "properties": {"x": {"type": "integer"}}}}
        }));
        lean_output(&mut s, &[]);
        assert_eq!(
            Value::Object(s),
            json!({"type": "object", "properties": {
                "id": {"type": "integer"},
                "error": {"type": "string"},
                "items": {"type": "array"},
                "flag": {"type": "boolean"}
            }})
        );
    }
}

#[cfg(test)]
mod merge_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_enums_and_plain_alternatives_collapse() {
        let mut s = match json!({"type": "object", "properties": {
            "action": {"oneOf": [{"type": "string", "enum": ["add", "delete"]},
                                 {"const": "charge", "type": "string", "description": "Marks it."}]},
            "number": {"anyOf": [{"type": "integer", "format": "int64"}, {"type": "string"}]}
        }}) {
            Value::Object(o) => o,
            _ => unreachable!(),
        };
        lean_input(&mut s);
        assert_eq!(
            Value::Object(s),
            json!({"type": "object", "properties": {
                "action": {"type": "string", "enum": ["add", "delete", "charge"]},
                "number": {"type": ["integer", "string"]}
            }})
        );
    }
}
