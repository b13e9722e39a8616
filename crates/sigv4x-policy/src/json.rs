//! Reading policy text as JSON, strictly: an object that repeats a key is
//! refused with the key's JSON path, at every level of the document.
//!
//! serde_json's own `Value` keeps the last of two equal keys, so a second
//! `StringNotEquals` block (or a second `Effect`) would silently replace the
//! first. IAM refuses such a document: "Individual elements must not contain
//! multiple instances of the same key. For example, you cannot include the
//! `Effect` block twice in the same statement." (Policy grammar notes,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html#policies-grammar-notes>).

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A JSON path under construction, e.g. `$.Statement[0].Condition`.
#[derive(Debug, Clone)]
pub(crate) struct Path(pub(crate) String);

impl Path {
    pub(crate) fn root() -> Self {
        Path("$".to_owned())
    }

    pub(crate) fn field(&self, name: &str) -> Path {
        let plain =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if plain {
            Path(format!("{}.{name}", self.0))
        } else {
            // serde_json escapes quotes and control characters for us.
            Path(format!("{}[{}]", self.0, Value::from(name)))
        }
    }

    pub(crate) fn index(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }
}

/// Why the text could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Not JSON.
    Syntax(serde_json::Error),
    /// An object repeats a key: the object's path and the key.
    Duplicate { path: String, key: String },
}

/// Parse `text`, refusing duplicate keys in any object.
pub(crate) fn from_str(text: &str) -> Result<Value, ReadError> {
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let seed = Node {
        path: Path::root(),
        duplicate: &duplicate,
    };
    let result = seed
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    // A duplicate aborts the parse through a serde error; report it as what
    // it is rather than as a syntax error.
    if let Some((path, key)) = duplicate.into_inner() {
        return Err(ReadError::Duplicate { path, key });
    }
    result.map_err(ReadError::Syntax)
}

/// One JSON value at a known path; the first duplicate found is recorded
/// in `duplicate`.
struct Node<'d> {
    path: Path,
    duplicate: &'d RefCell<Option<(String, String)>>,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON text cannot spell NaN or infinity, so this is always a number.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let node = Node {
                path: self.path.index(items.len()),
                duplicate: self.duplicate,
            };
            match seq.next_element_seed(node)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let message = format!("duplicate key `{key}`");
                *self.duplicate.borrow_mut() = Some((self.path.0.clone(), key));
                return Err(de::Error::custom(message));
            }
            let node = Node {
                path: self.path.field(&key),
                duplicate: self.duplicate,
            };
            let value = map.next_value_seed(node)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate(text: &str) -> Option<(String, String)> {
        match from_str(text) {
            Err(ReadError::Duplicate { path, key }) => Some((path, key)),
            _ => None,
        }
    }

    #[test]
    fn duplicates_are_found_at_every_level() {
        assert_eq!(
            duplicate(r#"{"a": 1, "a": 2}"#),
            Some(("$".to_owned(), "a".to_owned()))
        );
        assert_eq!(
            duplicate(r#"{"S": [{"x": 1}, {"C": {"k:1": 1, "k:1": 2}}]}"#),
            Some(("$.S[1].C".to_owned(), "k:1".to_owned()))
        );
        assert_eq!(duplicate(r#"{"a": {"a": 1}, "b": [{"a": 1}]}"#), None);
    }

    #[test]
    fn values_are_read_as_serde_json_reads_them() {
        let text = r#"{"n": -1, "u": 18446744073709551615, "f": 1.5, "b": true, "z": null, "s": "é", "a": [1, [2]]}"#;
        let strict = from_str(text).unwrap();
        let plain: Value = serde_json::from_str(text).unwrap();
        assert_eq!(strict, plain);
        assert!(matches!(from_str("{} x"), Err(ReadError::Syntax(_))));
        assert!(matches!(from_str("{"), Err(ReadError::Syntax(_))));
    }
}
