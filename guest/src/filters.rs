//! The HelperIQ list filters (spec §4): the agent UI's JSON, parsed into a
//! typed tree with limits, and evaluated against a contact.
//!
//! Two shapes arrive: a flat array of conditions (ANDed), or
//! `{"logic": "and"|"or", "rules": [...]}` where a rule is a condition or a
//! nested group. Every failure is a reason the caller can show.

use serde_json::Value;

use crate::model::Contact;
use crate::search::fold;

pub const MAX_GROUPS: usize = 10;
pub const MAX_CONDITIONS: usize = 50;
pub const MAX_IN_VALUES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    FirstName,
    LastName,
    PhoneNumber,
    CreatedAt,
    UpdatedAt,
    Enabled,
}

impl Field {
    fn parse(name: &str) -> Option<Field> {
        let name = name
            .trim()
            .trim_start_matches("users.")
            .trim_start_matches("contacts.");
        Some(match name {
            "email" => Field::Email,
            "first_name" => Field::FirstName,
            "last_name" => Field::LastName,
            "phone_number" | "phone" => Field::PhoneNumber,
            "created_at" => Field::CreatedAt,
            "updated_at" => Field::UpdatedAt,
            "enabled" => Field::Enabled,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Equals(String),
    NotEquals(String),
    Contains(String),
    NotContains(String),
    Set,
    NotSet,
    In(Vec<String>),
    Between(String, String),
    GreaterThan(String),
    LessThan(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: Field,
    pub op: Op,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Is(Condition),
}

#[derive(Default)]
struct Budget {
    groups: usize,
    conditions: usize,
}

/// Parses the `filters` parameter; `Err` carries the reason for a 400.
pub fn parse(json: &str) -> Result<Filter, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("Invalid filters JSON: {e}"))?;
    let mut budget = Budget::default();
    let filter = match value {
        Value::Array(rules) => Filter::All(rules_of(&rules, &mut budget, 0)?),
        Value::Object(_) => group(&value, &mut budget, 0)?,
        _ => return Err("Invalid filters: expected an array or a group".to_owned()),
    };
    Ok(filter)
}

fn group(value: &Value, budget: &mut Budget, depth: usize) -> Result<Filter, String> {
    let Some(obj) = value.as_object() else {
        return Err("Invalid filters: a rule must be an object".to_owned());
    };
    if !obj.contains_key("rules") {
        return condition(value, budget).map(Filter::Is);
    }
    budget.groups += 1;
    if budget.groups > MAX_GROUPS || depth > MAX_GROUPS {
        return Err(format!("Too many filter groups (at most {MAX_GROUPS})"));
    }
    let Some(rules) = obj.get("rules").and_then(Value::as_array) else {
        return Err("Invalid filters: `rules` must be an array".to_owned());
    };
    let rules = rules_of(rules, budget, depth + 1)?;
    match obj
        .get("logic")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("and") => Ok(Filter::All(rules)),
        Some("or") => Ok(Filter::Any(rules)),
        Some(other) => Err(format!("Invalid filter logic `{other}` (and, or)")),
    }
}

fn rules_of(rules: &[Value], budget: &mut Budget, depth: usize) -> Result<Vec<Filter>, String> {
    rules.iter().map(|r| group(r, budget, depth)).collect()
}

/// A filter value as text: strings as they are, numbers and booleans spelled.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn condition(value: &Value, budget: &mut Budget) -> Result<Condition, String> {
    budget.conditions += 1;
    if budget.conditions > MAX_CONDITIONS {
        return Err(format!(
            "Too many filter conditions (at most {MAX_CONDITIONS})"
        ));
    }
    let field_name = value
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let field =
        Field::parse(field_name).ok_or_else(|| format!("Invalid filter field `{field_name}`"))?;
    let operator = value
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let raw = value.get("value").unwrap_or(&Value::Null);
    let one = || {
        text(raw)
            .map(|s| s.trim().to_owned())
            .ok_or_else(|| format!("Filter `{field_name} {operator}` needs a value"))
    };
    let list = || -> Result<Vec<String>, String> {
        let items: Vec<String> = match raw {
            Value::Array(items) => items.iter().filter_map(text).collect(),
            Value::String(s) => s.split(',').map(|p| p.trim().to_owned()).collect(),
            _ => return Err(format!("Filter `{field_name} {operator}` needs a list")),
        };
        if items.len() > MAX_IN_VALUES {
            return Err(format!("Too many filter values (at most {MAX_IN_VALUES})"));
        }
        Ok(items)
    };
    let op = match operator.as_str() {
        "equals" | "=" => Op::Equals(one()?),
        "not equals" | "not_equals" | "!=" => Op::NotEquals(one()?),
        "contains" | "ilike" => Op::Contains(one()?),
        "not contains" | "not_contains" | "not ilike" => Op::NotContains(one()?),
        "set" => Op::Set,
        "not set" | "not_set" => Op::NotSet,
        "in" => Op::In(list()?),
        "between" => {
            let items = list()?;
            match items.as_slice() {
                [a, b] => Op::Between(a.clone(), b.clone()),
                _ => return Err(format!("Filter `{field_name} between` needs two values")),
            }
        }
        "greater than" | "greater_than" | ">" => Op::GreaterThan(one()?),
        "less than" | "less_than" | "<" => Op::LessThan(one()?),
        other => return Err(format!("Invalid filter operator `{other}`")),
    };
    Ok(Condition { field, op })
}

/// The value a contact has for a field, as compared text (None when unset).
fn value_of(c: &Contact, field: Field) -> Option<String> {
    match field {
        Field::Email => c.email.clone(),
        Field::FirstName => c.first_name.clone(),
        Field::LastName => c.last_name.clone(),
        Field::PhoneNumber => c.phones.first().map(|p| p.national.clone()),
        Field::CreatedAt => Some(c.created_at.clone()),
        Field::UpdatedAt => Some(c.updated_at.clone()),
        Field::Enabled => Some((!c.blocked).to_string()),
    }
}

impl Filter {
    pub fn matches(&self, c: &Contact) -> bool {
        match self {
            Filter::All(list) => list.iter().all(|f| f.matches(c)),
            Filter::Any(list) => list.is_empty() || list.iter().any(|f| f.matches(c)),
            Filter::Is(cond) => cond.matches(c),
        }
    }

    /// The email an ANDed `email equals` pins the result to, if any: the
    /// list can then start from the email index instead of every contact.
    pub fn pinned_email(&self) -> Option<&str> {
        match self {
            Filter::All(list) => list.iter().find_map(Filter::pinned_email),
            Filter::Is(Condition {
                field: Field::Email,
                op: Op::Equals(v),
            }) => Some(v),
            _ => None,
        }
    }
}

impl Condition {
    fn matches(&self, c: &Contact) -> bool {
        let value = value_of(c, self.field);
        // Text compares case-insensitively; `%` and `_` are plain characters.
        let folded = value.as_deref().map(fold);
        let eq = |v: &str| folded.as_deref() == Some(fold(v).as_str());
        let contains = |v: &str| folded.as_deref().is_some_and(|f| f.contains(&fold(v)));
        match &self.op {
            Op::Equals(v) => eq(v),
            Op::NotEquals(v) => !eq(v),
            Op::Contains(v) => contains(v),
            Op::NotContains(v) => !contains(v),
            Op::Set => value.as_deref().is_some_and(|v| !v.is_empty()),
            Op::NotSet => value.as_deref().is_none_or(str::is_empty),
            Op::In(list) => list.iter().any(|v| eq(v)),
            Op::Between(a, b) => folded
                .as_deref()
                .is_some_and(|f| f >= fold(a).as_str() && f <= fold(b).as_str()),
            Op::GreaterThan(v) => folded.as_deref().is_some_and(|f| f > fold(v).as_str()),
            Op::LessThan(v) => folded.as_deref().is_some_and(|f| f < fold(v).as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> Contact {
        let mut c = Contact::new(1, "2026-11-22T10:00:00Z");
        c.first_name = Some("Linda".into());
        c.email = Some("Linda_1%@example.com".into());
        c
    }

    #[test]
    fn the_ui_email_box() {
        let f =
            parse(r#"[{"model":"users","field":"email","operator":"contains","value":"LINDA"}]"#)
                .unwrap();
        assert!(f.matches(&contact()));
        let f =
            parse(r#"[{"model":"users","field":"email","operator":"equals","value":"x@y.fr"}]"#)
                .unwrap();
        assert!(!f.matches(&contact()));
        assert_eq!(f.pinned_email(), Some("x@y.fr"));
    }

    #[test]
    fn percent_and_underscore_are_literal() {
        let f = parse(r#"[{"field":"email","operator":"contains","value":"_1%"}]"#).unwrap();
        assert!(f.matches(&contact()));
        let f = parse(r#"[{"field":"email","operator":"contains","value":"a%a"}]"#).unwrap();
        assert!(!f.matches(&contact()));
    }

    #[test]
    fn groups_and_dates() {
        let f = parse(
            r#"{"logic":"or","rules":[
                {"field":"first_name","operator":"equals","value":"Bob"},
                {"logic":"and","rules":[
                    {"field":"created_at","operator":"between","value":["2026-11-01","2026-11-30"]},
                    {"field":"enabled","operator":"equals","value":true},
                    {"field":"last_name","operator":"not set"}]}]}"#,
        )
        .unwrap();
        assert!(f.matches(&contact()));
    }

    #[test]
    fn bad_filters_have_reasons() {
        for (json, why) in [
            ("{", "JSON"),
            (
                r#"[{"field":"password","operator":"equals","value":"x"}]"#,
                "field",
            ),
            (
                r#"[{"field":"email","operator":"like","value":"x"}]"#,
                "operator",
            ),
            (
                r#"[{"field":"email","operator":"between","value":["a"]}]"#,
                "two values",
            ),
            ("42", "array"),
        ] {
            let err = parse(json).unwrap_err();
            assert!(err.contains(why), "{json}: {err}");
        }
        let many: Vec<String> = (0..51)
            .map(|_| r#"{"field":"email","operator":"set"}"#.to_owned())
            .collect();
        assert!(
            parse(&format!("[{}]", many.join(",")))
                .unwrap_err()
                .contains("at most")
        );
        let values: Vec<String> = (0..101).map(|i| format!("\"v{i}\"")).collect();
        let json = format!(
            r#"[{{"field":"email","operator":"in","value":[{}]}}]"#,
            values.join(",")
        );
        assert!(parse(&json).unwrap_err().contains("at most"));
    }
}
