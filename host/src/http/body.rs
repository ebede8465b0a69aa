//! Reading request bodies leniently, and typed field access with per-field
//! errors. Wire-level typing lives here; every contact rule is the component's.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::bindings::types::{FieldError, Scalar};

/// Largest request body accepted; larger ones get 413 from the router.
pub const MAX_BODY: usize = 1 << 20;

/// Why a body could not be read as an object.
#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    NotJson(String),
    NotAnObject,
}

impl BodyError {
    pub fn message(&self) -> String {
        match self {
            BodyError::TooLarge => format!("The request body is larger than {MAX_BODY} bytes."),
            BodyError::NotJson(e) => format!("The request body is not valid JSON: {e}"),
            BodyError::NotAnObject => "The request body must be a JSON object.".to_owned(),
        }
    }
}

pub async fn bytes(req: Request) -> Result<(Option<String>, Bytes), BodyError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| BodyError::TooLarge)?;
    Ok((content_type, bytes))
}

/// The body as an object, as the PHP-born dialects (bluerocktel, relatecrm)
/// read it: an empty body, and an empty array (PHP's `json_encode([])`, what
/// the BlueRockTEL SDK sends with DELETE), are an empty object; a form body
/// is read as string fields.
pub async fn object(req: Request) -> Result<Map<String, Value>, BodyError> {
    let (content_type, bytes) = bytes(req).await?;
    parse_object(content_type.as_deref(), &bytes)
}

/// The body as an object, where `[]` is an array like any other (HelperIQ,
/// spec §5): only an empty body stands for `{}`.
pub async fn json_object(req: Request) -> Result<Map<String, Value>, BodyError> {
    let (content_type, bytes) = bytes(req).await?;
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(BodyError::NotAnObject);
    }
    parse_object(content_type.as_deref(), &bytes)
}

pub fn parse_object(
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<Map<String, Value>, BodyError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    if content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        return Ok(form_object(bytes));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Array(list)) if list.is_empty() => Ok(Map::new()),
        Ok(_) => Err(BodyError::NotAnObject),
        Err(e) => Err(BodyError::NotJson(e.to_string())),
    }
}

pub fn form_object(bytes: &[u8]) -> Map<String, Value> {
    url_pairs(bytes)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// `application/x-www-form-urlencoded` pairs (also query strings): `+` is a
/// space, `%XX` a byte; invalid UTF-8 is replaced, never a panic.
pub fn url_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    bytes
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let k = decode(it.next().unwrap_or_default());
            let v = decode(it.next().unwrap_or_default());
            (k, v)
        })
        .collect()
}

fn decode(raw: &[u8]) -> String {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// The value of a query parameter (the first occurrence).
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url_pairs(query.unwrap_or("").as_bytes())
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Typed reads of an object's fields, collecting per-field errors.
///
/// Each read returns `None` when the field is absent, `Some(None)` when it is
/// null (only on update: on create null is the same as absent), and
/// `Some(Some(v))` for a value.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    creating: bool,
    pub errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>, creating: bool) -> Fields<'a> {
        Fields {
            map,
            creating,
            errors: Vec::new(),
        }
    }

    /// The first of several aliases present; the first name is the error's field.
    fn pick(&self, names: &[&str]) -> Option<&'a Value> {
        names.iter().find_map(|n| self.map.get(*n))
    }

    fn fail(&mut self, field: &str, what: &str) {
        let label = field.replace('_', " ");
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: format!("The {label} field must be {what}."),
        });
    }

    fn read<T>(
        &mut self,
        names: &[&str],
        what: &str,
        conv: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<Option<T>> {
        let value = self.pick(names)?;
        if value.is_null() {
            return if self.creating { None } else { Some(None) };
        }
        match conv(value) {
            Some(v) => Some(Some(v)),
            None => {
                self.fail(names[0], what);
                None
            }
        }
    }

    pub fn text(&mut self, names: &[&str]) -> Option<Option<String>> {
        self.read(names, "a string", |v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }

    pub fn boolean(&mut self, names: &[&str]) -> Option<Option<bool>> {
        self.read(names, "true or false", |v| match v {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_i64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "on" | "yes" => Some(true),
                "0" | "false" | "off" | "no" | "" => Some(false),
                _ => None,
            },
            _ => None,
        })
    }

    pub fn integer(&mut self, names: &[&str]) -> Option<Option<i64>> {
        self.read(names, "an integer", as_integer)
    }

    /// A string or an integer, kept with its JSON type.
    pub fn scalar(&mut self, names: &[&str]) -> Option<Option<Scalar>> {
        self.read(names, "a string or an integer", |v| match v {
            Value::String(s) => Some(Scalar::Text(s.clone())),
            Value::Number(n) => n.as_i64().map(Scalar::Integer),
            _ => None,
        })
    }

    pub fn strings(&mut self, names: &[&str]) -> Option<Option<Vec<String>>> {
        self.read(names, "an array of strings", |v| match v {
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        })
    }
}

pub fn as_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                s.parse().ok()
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_bodies() {
        assert!(parse_object(None, b"").unwrap().is_empty());
        assert!(
            parse_object(Some("application/json"), b"[]")
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            parse_object(None, b"[1]"),
            Err(BodyError::NotAnObject)
        ));
        assert!(matches!(
            parse_object(None, b"{"),
            Err(BodyError::NotJson(_))
        ));
        let form =
            parse_object(Some("application/x-www-form-urlencoded"), b"a=1+2&b=%2B33").unwrap();
        assert_eq!(form["a"], "1 2");
        assert_eq!(form["b"], "+33");
    }

    #[test]
    fn query_plus_is_a_space() {
        assert_eq!(
            query_param(Some("phone_number=+33612"), "phone_number").as_deref(),
            Some(" 33612")
        );
        assert_eq!(query_param(Some("x=%ff"), "x").as_deref(), Some("\u{fffd}"));
    }

    #[test]
    fn typed_fields() {
        let map = json!({"a": "x", "b": 3, "c": null, "d": [1], "e": "1"});
        let map = map.as_object().unwrap();
        let mut f = Fields::new(map, false);
        assert_eq!(f.text(&["a"]), Some(Some("x".into())));
        assert_eq!(f.integer(&["b"]), Some(Some(3)));
        assert_eq!(f.text(&["c"]), Some(None));
        assert_eq!(f.text(&["d"]), None);
        assert_eq!(f.boolean(&["e"]), Some(Some(true)));
        assert_eq!(f.text(&["zz"]), None);
        assert_eq!(f.errors.len(), 1);
        let mut f = Fields::new(map, true);
        assert_eq!(f.text(&["c"]), None);
    }
}
