//! Why a policy document could not be read.

use std::fmt;

/// A policy document that cannot be parsed. Every variant except
/// [`ParseError::Json`] carries the JSON path of the problem, such as
/// `$.Statement[1].Condition.StringEquals`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The text is not JSON at all.
    Json {
        /// One-based line of the syntax error.
        line: usize,
        /// One-based column of the syntax error.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// A value has the wrong JSON type.
    WrongType {
        /// Where the value is.
        path: String,
        /// What the policy grammar wants there.
        expected: &'static str,
        /// What the document has there.
        found: &'static str,
    },
    /// A required element is missing.
    MissingElement {
        /// The object that lacks it.
        path: String,
        /// The element's name.
        element: &'static str,
    },
    /// An element the policy grammar does not have (names are case-sensitive).
    UnknownElement {
        /// Where it is.
        path: String,
        /// The name as written.
        element: String,
    },
    /// Two elements that exclude each other, such as `Action` and `NotAction`.
    Conflict {
        /// The statement that has both.
        path: String,
        /// The first element.
        first: &'static str,
        /// The second element.
        second: &'static str,
    },
    /// A value of the right type that the grammar does not allow.
    InvalidValue {
        /// Where the value is.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// An object names the same key twice (`Effect` given twice, two
    /// `StringNotEquals` blocks in one `Condition`). JSON parsers keep one of
    /// them silently; IAM refuses the document.
    DuplicateKey {
        /// The object that repeats the key.
        path: String,
        /// The key as written.
        key: String,
    },
    /// A condition operator IAM does not have, such as `StringNotEqual`.
    /// Operator names are case-sensitive, so `stringequals` is one too.
    UnknownConditionOperator {
        /// Where the operator is (its block in `Condition`).
        path: String,
        /// The name as written.
        operator: String,
        /// A known operator the name resembles, if any.
        suggestion: Option<&'static str>,
    },
    /// One operator block names the same condition key twice, differing
    /// only in case (`aws:SourceVpce` and `aws:sourcevpce`). Key names ignore
    /// case, so both would test one key.
    DuplicateConditionKey {
        /// The operator block.
        path: String,
        /// The first spelling.
        first: String,
        /// The second spelling.
        second: String,
    },
    /// A policy variable (`${…}`) that is malformed or placed where IAM does
    /// not substitute variables.
    InvalidPolicyVariable {
        /// Where the value is.
        path: String,
        /// The value that holds the variable.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl ParseError {
    /// The JSON path of the problem, when the document was valid JSON.
    pub fn path(&self) -> Option<&str> {
        match self {
            ParseError::Json { .. } => None,
            ParseError::WrongType { path, .. }
            | ParseError::MissingElement { path, .. }
            | ParseError::UnknownElement { path, .. }
            | ParseError::Conflict { path, .. }
            | ParseError::InvalidValue { path, .. }
            | ParseError::DuplicateKey { path, .. }
            | ParseError::UnknownConditionOperator { path, .. }
            | ParseError::DuplicateConditionKey { path, .. }
            | ParseError::InvalidPolicyVariable { path, .. } => Some(path),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Json {
                line,
                column,
                message,
            } => write!(f, "not valid JSON at line {line}, column {column}: {message}"),
            ParseError::WrongType {
                path,
                expected,
                found,
            } => write!(f, "at {path}: expected {expected}, found {found}"),
            ParseError::MissingElement { path, element } => {
                write!(f, "at {path}: missing required element `{element}`")
            }
            ParseError::UnknownElement { path, element } => write!(
                f,
                "at {path}: unknown element `{element}` (policy element names are case-sensitive)"
            ),
            ParseError::Conflict {
                path,
                first,
                second,
            } => write!(
                f,
                "at {path}: a statement may have `{first}` or `{second}`, not both"
            ),
            ParseError::InvalidValue { path, message } => write!(f, "at {path}: {message}"),
            ParseError::DuplicateKey { path, key } => write!(
                f,
                "at {path}: `{key}` appears twice; IAM refuses a document that repeats a key"
            ),
            ParseError::UnknownConditionOperator {
                path,
                operator,
                suggestion,
            } => {
                write!(
                    f,
                    "at {path}: `{operator}` is not a condition operator (operator names are case-sensitive)"
                )?;
                match suggestion {
                    Some(known) => write!(f, "; did you mean `{known}`?"),
                    None => Ok(()),
                }
            }
            ParseError::DuplicateConditionKey {
                path,
                first,
                second,
            } => write!(
                f,
                "at {path}: condition keys `{first}` and `{second}` differ only in case, and key names ignore case: name the key once"
            ),
            ParseError::InvalidPolicyVariable {
                path,
                value,
                reason,
            } => write!(f, "at {path}: policy variable in `{value}`: {reason}"),
        }
    }
}

impl std::error::Error for ParseError {}
