//! Reading policy JSON into the model, with the JSON path of every problem.
//!
//! Fail closed: whatever the evaluator would not understand (an unknown
//! operator, a repeated key, a malformed variable) is refused here, so that
//! no condition quietly stops applying.

use serde_json::{Map, Value};

use crate::arn::Arn;
use crate::condition::{self, Operator, OperatorKind};
use crate::error::ParseError;
use crate::json::{self, Path, ReadError};
use crate::policy::{
    Condition, Effect, Policy, PolicyKind, PrincipalClause, PrincipalId, PrincipalType, Principals,
    Statement, ValueClause, Version,
};
use crate::variable::Template;

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
    let value = json::from_str(text).map_err(|e| match e {
        ReadError::Syntax(e) => ParseError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        },
        ReadError::Duplicate { path, key } => ParseError::DuplicateKey { path, key },
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
        single_statement: statement_value.is_object(),
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
        Some((negated, name, v)) => {
            let at = path.field(name);
            let principals = parse_principals(v, &at, variables)?;
            if negated {
                check_not_principal(&principals, effect, v, &at)?;
            }
            Some(PrincipalClause {
                negated,
                principals,
            })
        }
        None => None,
    };
    let action = match one_of(map, path, "Action", "NotAction")? {
        Some((negated, name, v)) => {
            let patterns = string_list(v, &path.field(name))?;
            no_variables(&patterns, &path.field(name), v.is_array(), variables)?;
            let templates = patterns.iter().cloned().map(Template::Plain).collect();
            ValueClause::new(negated, patterns, templates, v.is_array())
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
            let path = path.field(name);
            let patterns = string_list(v, &path)?;
            let templates = resource_templates(&patterns, &path, v.is_array(), variables)?;
            ValueClause::new(negated, patterns, templates, v.is_array())
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

/// In a 2012-10-17 policy, `${` outside `Resource` and condition values
/// would be a variable IAM does not substitute there: refuse it rather than
/// compare it as text that never matches.
fn no_variables(
    values: &[String],
    path: &Path,
    array: bool,
    variables: bool,
) -> Result<(), ParseError> {
    match values.iter().enumerate().find(|(_, v)| variables && v.contains("${")) {
        Some((i, value)) => Err(ParseError::InvalidPolicyVariable {
            path: item_path(path, array, i).0,
            value: value.clone(),
            reason: "IAM substitutes policy variables only in Resource and in string and ARN condition values",
        }),
        None => Ok(()),
    }
}

/// `Resource` patterns, read for evaluation. A variable may stand only in
/// the resource part of an ARN, after the fifth colon (or in the path of
/// the `execute-api:/…` shorthand, which stands for that part).
fn resource_templates(
    patterns: &[String],
    path: &Path,
    array: bool,
    variables: bool,
) -> Result<Vec<Template>, ParseError> {
    let mut templates = Vec::with_capacity(patterns.len());
    for (i, pattern) in patterns.iter().enumerate() {
        let invalid = |reason| ParseError::InvalidPolicyVariable {
            path: item_path(path, array, i).0,
            value: pattern.clone(),
            reason,
        };
        let template = Template::parse(pattern, variables).map_err(invalid)?;
        let prefix = template.literal_prefix();
        let placed = matches!(template, Template::Plain(_))
            || prefix.starts_with("execute-api:/")
            || Arn::parse(prefix).is_some();
        if !placed {
            return Err(invalid(
                "in Resource a variable may stand only in the resource part of an ARN, after the fifth colon",
            ));
        }
        templates.push(template);
    }
    Ok(templates)
}

/// The path of item `i` of a value that is a list or a single string.
fn item_path(path: &Path, array: bool, i: usize) -> Path {
    if array {
        path.index(i)
    } else {
        path.clone()
    }
}

/// A string or a non-empty array of strings.
fn string_list(value: &Value, path: &Path) -> Result<Vec<String>, ParseError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
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
                Ok(s.to_owned())
            })
            .collect(),
        other => Err(wrong(path, "a string or an array of strings", other)),
    }
}

/// `NotPrincipal` as IAM supports it
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>):
/// "NotPrincipal must be used with \"Effect\":\"Deny\". Using it with
/// \"Effect\":\"Allow\" is not supported." And no wildcard: `"*"` and
/// `{"AWS": "*"}` would exclude everyone, so the `Deny` would never apply;
/// IAM Access Analyzer's "Unsupported wildcard in principal" refuses
/// wildcards in principal values, and nothing documents a meaning for
/// them in `NotPrincipal`, so both spellings are refused alike.
fn check_not_principal(
    principals: &Principals,
    effect: Effect,
    value: &Value,
    path: &Path,
) -> Result<(), ParseError> {
    if effect == Effect::Allow {
        return Err(invalid(
            path,
            "NotPrincipal with \"Effect\": \"Allow\" is not supported by IAM (it would let in everyone not listed, anonymous callers included); use Principal, or a Deny".to_owned(),
        ));
    }
    let listed = match principals {
        Principals::Anyone => {
            return Err(invalid(
                path,
                "unsupported wildcard in principal: NotPrincipal \"*\" excludes everyone, so the Deny would never apply".to_owned(),
            ))
        }
        Principals::Listed(listed) => listed,
    };
    if let Some(id) = listed.iter().find(|id| id.value.contains(['*', '?'])) {
        let kind_name = match id.kind {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        };
        let at = match value.get(kind_name) {
            Some(Value::Array(items)) => items
                .iter()
                .position(|item| item.as_str() == Some(id.value.as_str()))
                .map_or_else(|| path.field(kind_name), |i| path.field(kind_name).index(i)),
            _ => path.field(kind_name),
        };
        return Err(invalid(
            &at,
            format!(
                "unsupported wildcard in principal: `{}` in NotPrincipal (wildcards are not supported in principal values; name the principals to spare)",
                id.value
            ),
        ));
    }
    Ok(())
}

fn parse_principals(value: &Value, path: &Path, variables: bool) -> Result<Principals, ParseError> {
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
                let values = string_list(v, &kind_path)?;
                no_variables(&values, &kind_path, v.is_array(), variables)?;
                for value in values {
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
        let operator = Operator::parse(operator_name);
        if operator.kind == OperatorKind::Unknown {
            return Err(ParseError::UnknownConditionOperator {
                path: op_path.0,
                operator: operator_name.clone(),
                suggestion: condition::suggestion(operator_name),
            });
        }
        let keys = block
            .as_object()
            .ok_or_else(|| wrong(&op_path, "an object of condition keys", block))?;
        if keys.is_empty() {
            return Err(invalid(
                &op_path,
                "a condition operator needs at least one key".to_owned(),
            ));
        }
        check_key_case(keys, &op_path)?;
        for (key, value) in keys {
            let key_path = op_path.field(key);
            let values = condition_values(value, &key_path)?;
            let array = value.is_array();
            let templates = condition_templates(&operator, &values, &key_path, array, variables)?;
            check_values(&operator, &templates, &key_path, array)?;
            conditions.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
                templates,
            });
        }
    }
    Ok(conditions)
}

/// Key names ignore case, so `aws:SourceVpce` and `aws:sourcevpce` in one
/// block would test one key twice (IAM Access Analyzer: "Duplicate keys with
/// different case").
fn check_key_case(keys: &Map<String, Value>, path: &Path) -> Result<(), ParseError> {
    for (i, first) in keys.keys().enumerate() {
        if let Some(second) = keys
            .keys()
            .skip(i + 1)
            .find(|k| k.eq_ignore_ascii_case(first))
        {
            return Err(ParseError::DuplicateConditionKey {
                path: path.0.clone(),
                first: first.clone(),
                second: second.clone(),
            });
        }
    }
    Ok(())
}

/// Condition values, read for evaluation. Variables are substituted only
/// for string and ARN operators.
fn condition_templates(
    operator: &Operator,
    values: &[String],
    path: &Path,
    array: bool,
    variables: bool,
) -> Result<Vec<Template>, ParseError> {
    let substitutes = operator.kind.is_string() || operator.kind.is_arn();
    let mut templates = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let invalid = |reason| ParseError::InvalidPolicyVariable {
            path: item_path(path, array, i).0,
            value: value.clone(),
            reason,
        };
        let template = Template::parse(value, variables).map_err(invalid)?;
        if !substitutes && !matches!(template, Template::Plain(_)) {
            return Err(invalid(
                "IAM substitutes policy variables only in string and ARN conditions",
            ));
        }
        templates.push(template);
    }
    Ok(templates)
}

/// Every policy value must be one the operator can read ("Invalid
/// condition data type"): otherwise it would match nothing, and a `Deny`
/// carrying it would silently stop applying. Values with variables are
/// string or ARN values, which any text is.
fn check_values(
    operator: &Operator,
    templates: &[Template],
    path: &Path,
    array: bool,
) -> Result<(), ParseError> {
    for (i, template) in templates.iter().enumerate() {
        if let Template::Plain(value) = template {
            if let Some(problem) = condition::policy_value_error(operator.kind, value) {
                return Err(invalid(
                    &item_path(path, array, i),
                    format!("invalid condition data type for {operator}: {problem}"),
                ));
            }
        }
    }
    Ok(())
}

fn condition_value(value: &Value, path: &Path) -> Result<String, ParseError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(wrong(path, "a string, number or boolean", other)),
    }
}

fn condition_values(value: &Value, path: &Path) -> Result<Vec<String>, ParseError> {
    match value {
        Value::Array(items) if items.is_empty() => Err(invalid(
            path,
            "an empty list of condition values matches nothing".to_owned(),
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| condition_value(item, &path.index(i)))
            .collect(),
        other => Ok(vec![condition_value(other, path)?]),
    }
}

/// What IAM refuses in a policy of `kind` although the document itself is
/// well formed: see [`Policy::check_kind`](crate::Policy::check_kind).
pub(crate) fn check_kind(policy: &Policy, kind: PolicyKind) -> Result<(), ParseError> {
    let statements = Path::root().field("Statement");
    for (i, statement) in policy.statements.iter().enumerate() {
        let path = if policy.single_statement {
            statements.clone()
        } else {
            statements.index(i)
        };
        match (&statement.principal, kind) {
            (None, PolicyKind::Resource | PolicyKind::VpcEndpoint) => {
                return Err(invalid(
                    &path,
                    format!(
                        "{} statement needs Principal or NotPrincipal; IAM refuses it without one (here it would name nobody, and a Deny would never apply)",
                        kind.with_article()
                    ),
                ))
            }
            (Some(clause), PolicyKind::Identity) => {
                let name = if clause.negated { "NotPrincipal" } else { "Principal" };
                return Err(invalid(
                    &path.field(name),
                    format!("identity policies have no {name}: they apply to whoever they are attached to (IAM Access Analyzer: unsupported principal)"),
                ));
            }
            _ => {}
        }
        let clause = &statement.resource;
        let shorthand = clause
            .patterns
            .iter()
            .position(|p| p.starts_with("execute-api:"));
        if let (Some(at), false) = (shorthand, kind == PolicyKind::Resource) {
            let name = if clause.negated {
                "NotResource"
            } else {
                "Resource"
            };
            let pattern = clause.patterns.get(at).map_or("", String::as_str);
            let effect = if clause.negated {
                "NotResource would exclude nothing with it, so the statement would cover every resource, what it means to exclude included"
            } else {
                "Resource would never match it"
            };
            return Err(invalid(
                &item_path(&path.field(name), clause.array, at),
                format!(
                    "`{pattern}`: the execute-api:/… shorthand is understood only in resource policies; in {} {effect}; write arn:aws:execute-api:region:account:api-id/stage/METHOD/path",
                    kind.with_article()
                ),
            ));
        }
    }
    Ok(())
}
