//! Reading policy JSON into the model, with the JSON path of every problem.

use serde_json::{Map, Value};

use crate::condition::Operator;
use crate::error::ParseError;
use crate::policy::{
    Condition, Effect, Policy, PrincipalClause, PrincipalId, PrincipalType, Principals, Statement,
    ValueClause, Version,
};

/// A JSON path under construction, e.g. `$.Statement[0].Condition`.
#[derive(Debug, Clone)]
struct Path(String);

impl Path {
    fn root() -> Self {
        Path("$".to_owned())
    }

    fn field(&self, name: &str) -> Path {
        let plain =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if plain {
            Path(format!("{}.{name}", self.0))
        } else {
            // serde_json escapes quotes and control characters for us.
            Path(format!("{}[{}]", self.0, Value::from(name)))
        }
    }

    fn index(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong(path: &Path, expected: &'static str, found: &Value) -> ParseError {
    ParseError::WrongType {
        path: path.0.clone(),
        expected,
        found: type_name(found),
    }
}

fn invalid(path: &Path, message: String) -> ParseError {
    ParseError::InvalidValue {
        path: path.0.clone(),
        message,
    }
}

pub(crate) fn parse_policy(text: &str) -> Result<Policy, ParseError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    policy_from_value(&value)
}

pub(crate) fn policy_from_value(value: &Value) -> Result<Policy, ParseError> {
    let root = Path::root();
    let object = value
        .as_object()
        .ok_or_else(|| wrong(&root, "a policy object", value))?;
    let mut version = None;
    let mut id = None;
    let mut statement_value = None;
    for (name, v) in object {
        let path = root.field(name);
        match name.as_str() {
            "Version" => {
                let text = v.as_str().ok_or_else(|| wrong(&path, "a string", v))?;
                version = Some(match text {
                    "2012-10-17" => Version::V2012_10_17,
                    "2008-10-17" => Version::V2008_10_17,
                    other => {
                        return Err(invalid(
                            &path,
                            format!("unsupported policy version `{other}` (use \"2012-10-17\")"),
                        ))
                    }
                });
            }
            "Id" => {
                let text = v.as_str().ok_or_else(|| wrong(&path, "a string", v))?;
                id = Some(text.to_owned());
            }
            "Statement" => statement_value = Some(v),
            other => {
                return Err(ParseError::UnknownElement {
                    path: root.0.clone(),
                    element: other.to_owned(),
                })
            }
        }
    }
    let Some(statement_value) = statement_value else {
        return Err(ParseError::MissingElement {
            path: root.0,
            element: "Statement",
        });
    };
    let statements_path = root.field("Statement");
    let variables = version == Some(Version::V2012_10_17);
    let statements = match statement_value {
        Value::Object(map) => vec![parse_statement(map, &statements_path, variables)?],
        Value::Array(items) => {
            let mut statements = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let path = statements_path.index(i);
                let map = item
                    .as_object()
                    .ok_or_else(|| wrong(&path, "a statement object", item))?;
                statements.push(parse_statement(map, &path, variables)?);
            }
            statements
        }
        other => {
            return Err(wrong(
                &statements_path,
                "a statement object or an array of them",
                other,
            ))
        }
    };
    Ok(Policy {
        version,
        id,
        statements,
    })
}

/// Which of two exclusive elements a statement has.
fn one_of<'a>(
    map: &'a Map<String, Value>,
    path: &Path,
    plain: &'static str,
    negated: &'static str,
) -> Result<Option<(bool, &'static str, &'a Value)>, ParseError> {
    match (map.get(plain), map.get(negated)) {
        (Some(_), Some(_)) => Err(ParseError::Conflict {
            path: path.0.clone(),
            first: plain,
            second: negated,
        }),
        (Some(v), None) => Ok(Some((false, plain, v))),
        (None, Some(v)) => Ok(Some((true, negated, v))),
        (None, None) => Ok(None),
    }
}

fn parse_statement(
    map: &Map<String, Value>,
    path: &Path,
    variables: bool,
) -> Result<Statement, ParseError> {
    const KNOWN: &[&str] = &[
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    ];
    if let Some(unknown) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ParseError::UnknownElement {
            path: path.0.clone(),
            element: unknown.clone(),
        });
    }
    let sid = match map.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(wrong(&path.field("Sid"), "a string", other)),
    };
    let effect = match map.get("Effect") {
        None => {
            return Err(ParseError::MissingElement {
                path: path.0.clone(),
                element: "Effect",
            })
        }
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(invalid(
                &path.field("Effect"),
                format!("`{s}` is not an effect: write \"Allow\" or \"Deny\""),
            ))
        }
        Some(other) => return Err(wrong(&path.field("Effect"), "a string", other)),
    };
    let principal = match one_of(map, path, "Principal", "NotPrincipal")? {
        Some((negated, name, v)) => Some(PrincipalClause {
            negated,
            principals: parse_principals(v, &path.field(name))?,
        }),
        None => None,
    };
    let action = match one_of(map, path, "Action", "NotAction")? {
        Some((negated, name, v)) => {
            ValueClause::new(negated, string_list(v, &path.field(name), false)?)
        }
        None => {
            return Err(ParseError::MissingElement {
                path: path.0.clone(),
                element: "Action",
            })
        }
    };
    let resource = match one_of(map, path, "Resource", "NotResource")? {
        Some((negated, name, v)) => {
            ValueClause::new(negated, string_list(v, &path.field(name), variables)?)
        }
        None => {
            return Err(ParseError::MissingElement {
                path: path.0.clone(),
                element: "Resource",
            })
        }
    };
    let conditions = match map.get("Condition") {
        None => Vec::new(),
        Some(v) => parse_conditions(v, &path.field("Condition"), variables)?,
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn check_variable(text: &str, path: &Path, variables: bool) -> Result<(), ParseError> {
    if variables && text.contains("${") {
        return Err(ParseError::UnsupportedPolicyVariable {
            path: path.0.clone(),
            value: text.to_owned(),
        });
    }
    Ok(())
}

/// A string or a non-empty array of strings.
fn string_list(value: &Value, path: &Path, variables: bool) -> Result<Vec<String>, ParseError> {
    match value {
        Value::String(s) => {
            check_variable(s, path, variables)?;
            Ok(vec![s.clone()])
        }
        Value::Array(items) if items.is_empty() => {
            Err(invalid(path, "an empty list matches nothing".to_owned()))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let path = path.index(i);
                let s = item
                    .as_str()
                    .ok_or_else(|| wrong(&path, "a string", item))?;
                check_variable(s, &path, variables)?;
                Ok(s.to_owned())
            })
            .collect(),
        other => Err(wrong(path, "a string or an array of strings", other)),
    }
}

fn parse_principals(value: &Value, path: &Path) -> Result<Principals, ParseError> {
    match value {
        Value::String(s) if s == "*" => Ok(Principals::Anyone),
        Value::String(s) => Err(invalid(
            path,
            format!(
                "`{s}` is not a principal: write \"*\" or a map such as {{\"AWS\": \"arn:…\"}}"
            ),
        )),
        Value::Object(map) if map.is_empty() => Err(invalid(
            path,
            "an empty principal map names nobody".to_owned(),
        )),
        Value::Object(map) => {
            let mut listed = Vec::new();
            for (kind_name, v) in map {
                let kind_path = path.field(kind_name);
                let kind = match kind_name.as_str() {
                    "AWS" => PrincipalType::Aws,
                    "Service" => PrincipalType::Service,
                    "Federated" => PrincipalType::Federated,
                    "CanonicalUser" => PrincipalType::CanonicalUser,
                    other => {
                        return Err(ParseError::UnknownElement {
                            path: path.0.clone(),
                            element: other.to_owned(),
                        })
                    }
                };
                for value in string_list(v, &kind_path, false)? {
                    listed.push(PrincipalId { kind, value });
                }
            }
            Ok(Principals::Listed(listed))
        }
        other => Err(wrong(path, "\"*\" or a principal map", other)),
    }
}

fn parse_conditions(
    value: &Value,
    path: &Path,
    variables: bool,
) -> Result<Vec<Condition>, ParseError> {
    let operators = value
        .as_object()
        .ok_or_else(|| wrong(path, "an object of condition operators", value))?;
    let mut conditions = Vec::new();
    for (operator_name, block) in operators {
        let op_path = path.field(operator_name);
        let keys = block
            .as_object()
            .ok_or_else(|| wrong(&op_path, "an object of condition keys", block))?;
        if keys.is_empty() {
            return Err(invalid(
                &op_path,
                "a condition operator needs at least one key".to_owned(),
            ));
        }
        for (key, values) in keys {
            let key_path = op_path.field(key);
            conditions.push(Condition {
                operator: Operator::parse(operator_name),
                key: key.clone(),
                values: condition_values(values, &key_path, variables)?,
            });
        }
    }
    Ok(conditions)
}

fn condition_value(value: &Value, path: &Path, variables: bool) -> Result<String, ParseError> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => return Err(wrong(path, "a string, number or boolean", other)),
    };
    check_variable(&text, path, variables)?;
    Ok(text)
}

fn condition_values(
    value: &Value,
    path: &Path,
    variables: bool,
) -> Result<Vec<String>, ParseError> {
    match value {
        Value::Array(items) if items.is_empty() => Err(invalid(
            path,
            "an empty list of condition values matches nothing".to_owned(),
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| condition_value(item, &path.index(i), variables))
            .collect(),
        other => Ok(vec![condition_value(other, path, variables)?]),
    }
}
