//! A small JSON Schema validator for the OpenAPI test: the subset the
//! project's documents use (type and type lists, const, enum, properties,
//! required, additionalProperties, items, allOf, anyOf, oneOf, and `$ref`
//! into the same document). A keyword outside the subset is reported as an
//! error, so a document cannot rely on something this validator skips.

use serde_json::Value;

/// Keywords that only annotate or constrain inputs: accepted, not checked.
const ANNOTATIONS: &[&str] = &[
    "description",
    "format",
    "minimum",
    "maxLength",
    "title",
    "example",
];

/// Follows a local `$ref` (`#/components/schemas/Contact`) in `root`.
pub fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

/// The errors of `value` against `schema` (empty when it conforms); `root`
/// is the whole document, for `$ref`.
pub fn validate(root: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(root, schema, value, "$", &mut errors);
    errors
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn check(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(map) = schema.as_object() else {
        if schema != &Value::Bool(true) {
            errors.push(format!("{at}: schema is not an object: {schema}"));
        }
        return;
    };
    for (key, rule) in map {
        match key.as_str() {
            "$ref" => match rule.as_str().and_then(|r| resolve(root, r)) {
                Some(target) => check(root, target, value, at, errors),
                None => errors.push(format!("{at}: unresolved $ref {rule}")),
            },
            "type" => {
                let names: Vec<&str> = match rule {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if !names.iter().any(|n| type_matches(n, value)) {
                    errors.push(format!("{at}: {value} is not of type {rule}"));
                }
            }
            "const" => {
                if rule != value {
                    errors.push(format!("{at}: {value} is not {rule}"));
                }
            }
            "enum" => {
                if !rule.as_array().is_some_and(|l| l.contains(value)) {
                    errors.push(format!("{at}: {value} is not one of {rule}"));
                }
            }
            "required" => {
                if let Some(obj) = value.as_object() {
                    for name in rule.as_array().into_iter().flatten() {
                        let name = name.as_str().unwrap_or_default();
                        if !obj.contains_key(name) {
                            errors.push(format!("{at}: missing required property {name:?}"));
                        }
                    }
                }
            }
            "properties" => {
                if let (Some(obj), Some(props)) = (value.as_object(), rule.as_object()) {
                    for (name, sub) in props {
                        if let Some(v) = obj.get(name) {
                            check(root, sub, v, &format!("{at}.{name}"), errors);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(obj) = value.as_object() {
                    let known = map.get("properties").and_then(Value::as_object);
                    for (name, v) in obj {
                        if known.is_some_and(|k| k.contains_key(name)) {
                            continue;
                        }
                        match rule {
                            Value::Bool(false) => {
                                errors.push(format!("{at}: undocumented property {name:?}"))
                            }
                            Value::Bool(true) => {}
                            sub => check(root, sub, v, &format!("{at}.{name}"), errors),
                        }
                    }
                }
            }
            "items" => {
                if let Some(list) = value.as_array() {
                    for (n, v) in list.iter().enumerate() {
                        check(root, rule, v, &format!("{at}[{n}]"), errors);
                    }
                }
            }
            "allOf" => {
                for sub in rule.as_array().into_iter().flatten() {
                    check(root, sub, value, at, errors);
                }
            }
            "anyOf" | "oneOf" => {
                let passing = rule
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|sub| validate(root, sub, value).is_empty())
                    .count();
                let fits = if key == "oneOf" {
                    passing == 1
                } else {
                    passing >= 1
                };
                if !fits {
                    errors.push(format!(
                        "{at}: {value} matches {passing} of the {key} alternatives"
                    ));
                }
            }
            other if ANNOTATIONS.contains(&other) => {}
            other => errors.push(format!("{at}: unsupported schema keyword {other:?}")),
        }
    }
}

/// Every `$ref` string anywhere in `node`.
pub fn refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(s) = v.as_str() {
                        out.push(s.to_owned());
                    }
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_subset_checks_what_it_claims() {
        let root = json!({"components": {"schemas": {"N": {"type": ["integer", "null"]}}}});
        let schema = json!({"type": "object", "required": ["a"], "additionalProperties": false,
            "properties": {"a": {"$ref": "#/components/schemas/N"}, "b": {"enum": ["x"]}}});
        assert!(validate(&root, &schema, &json!({"a": null})).is_empty());
        assert!(validate(&root, &schema, &json!({"a": 1, "b": "x"})).is_empty());
        assert_eq!(validate(&root, &schema, &json!({"a": "1"})).len(), 1);
        assert_eq!(validate(&root, &schema, &json!({})).len(), 1);
        assert_eq!(validate(&root, &schema, &json!({"a": 1, "c": 2})).len(), 1);
        assert_eq!(
            validate(&root, &schema, &json!({"a": 1, "b": "y"})).len(),
            1
        );
        assert_eq!(
            validate(&root, &json!({"pattern": "x"}), &json!("x")).len(),
            1
        );
        let one = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
        assert_eq!(validate(&root, &one, &json!(1)).len(), 1);
        assert!(validate(&root, &one, &json!(1.5)).is_empty());
    }
}
