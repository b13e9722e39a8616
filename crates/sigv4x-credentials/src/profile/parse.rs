//! A parser of the AWS shared config and credentials files, with line-numbered errors.
//!
//! The format, as botocore reads it (Python's `configparser`) and the AWS SDKs' shared-config
//! specification describes it:
//! - `[section]` headers; a `#` or `;` comment may follow the `]`;
//! - `key = value` properties; keys are case-insensitive (lowercased, as `configparser` does);
//!   values are trimmed and are **not** stripped of `#`/`;` text, since a `credential_process`
//!   command may contain `;`;
//! - a line starting with whitespace continues the previous property (this is how nested
//!   settings such as `s3 =` followed by indented `key = value` lines are written);
//! - whole-line comments start with `#` or `;`, and blank lines are ignored.
//!
//! Lines end at `\n`, `\r\n` or a bare `\r`, as Python's universal newlines read them.
//!
//! Anything else is an error naming the file and line: a property outside any section, a line
//! without `=`, an empty key, an unterminated or empty header. Errors never quote the file's
//! text, which may hold secrets.

use std::path::Path;

use crate::Error;

/// One property: its value and the line it was set on.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Property {
    pub(crate) value: String,
    pub(crate) line: usize,
}

/// One `[section]` of a file, in order.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Section {
    /// The text between the brackets, trimmed.
    pub(crate) header: String,
    pub(crate) line: usize,
    /// Properties in file order; a later duplicate overrides an earlier one at lookup.
    pub(crate) properties: Vec<(String, Property)>,
}

/// Parses `text`, read from `path` (named in errors).
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Section>, Error> {
    let mut sections: Vec<Section> = Vec::new();
    // Whether the last line was a property of the current section, so an indented line
    // continues it.
    let mut in_property = false;
    let error = |line: usize, problem: String| Error::ProfileFile {
        path: path.to_path_buf(),
        line,
        problem,
    };
    for (index, line) in lines(text).enumerate() {
        let number = index + 1;
        let line = if number == 1 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && in_property {
            if let Some((_, property)) = sections
                .last_mut()
                .and_then(|section| section.properties.last_mut())
            {
                property.value.push('\n');
                property.value.push_str(trimmed);
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(end) = rest.find(']') else {
                return Err(error(
                    number,
                    "section header has no closing `]`".to_string(),
                ));
            };
            let (inside, after) = rest.split_at(end);
            let after = after[1..].trim();
            if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
                return Err(error(
                    number,
                    "unexpected text after the section header's `]`".to_string(),
                ));
            }
            let header = inside.trim();
            if header.is_empty() {
                return Err(error(number, "empty section header `[]`".to_string()));
            }
            sections.push(Section {
                header: header.to_string(),
                line: number,
                properties: Vec::new(),
            });
            in_property = false;
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err(error(
                number,
                "expected `key = value`, a `[section]` header or a comment".to_string(),
            ));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(error(number, "property with an empty name".to_string()));
        }
        let Some(section) = sections.last_mut() else {
            return Err(error(
                number,
                "a property appears before any [section] header".to_string(),
            ));
        };
        section.properties.push((
            key.to_ascii_lowercase(),
            Property {
                value: value.trim().to_string(),
                line: number,
            },
        ));
        in_property = true;
    }
    Ok(sections)
}

/// The lines of `text`, ended by `\n`, `\r\n` or a bare `\r` (Python's universal newlines,
/// which botocore's `configparser` reads with).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(end) = rest.find(['\r', '\n']) else {
            return Some(std::mem::take(&mut rest));
        };
        let line = &rest[..end];
        let ending = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + ending..];
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<Section>, Error> {
        parse(Path::new("/home/u/.aws/config"), text)
    }

    fn problem(text: &str) -> (usize, String) {
        match parse_str(text) {
            Err(Error::ProfileFile { line, problem, .. }) => (line, problem),
            other => panic!(
                "expected a ProfileFile error, got {:?}",
                other.map(|s| s.len())
            ),
        }
    }

    #[test]
    fn sections_properties_comments_and_continuations() {
        let sections = parse_str(
            "\u{feff}# top comment\r\n[default]  ; trailing\r\nregion = eu-west-1\r\n\
             AWS_Access_Key_Id=AKID\n\n[profile dev]\ns3 =\n  max_concurrent_requests = 10\n\
             credential_process = sh -c 'a; b' # kept\n",
        )
        .unwrap();
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].header, "default");
        assert_eq!(sections[0].line, 2);
        assert_eq!(sections[0].properties[0].0, "region");
        assert_eq!(sections[0].properties[1].0, "aws_access_key_id");
        assert_eq!(sections[1].header, "profile dev");
        assert_eq!(
            sections[1].properties[0].1.value,
            "\nmax_concurrent_requests = 10"
        );
        assert_eq!(sections[1].properties[1].1.value, "sh -c 'a; b' # kept");
        assert_eq!(sections[1].properties[1].1.line, 9);
    }

    #[test]
    fn errors_name_the_line_and_problem() {
        assert_eq!(problem("region = x\n").0, 1, "property before any section");
        let (line, text) = problem("[default]\nregion = x\n[profile dev\n");
        assert_eq!(line, 3);
        assert!(text.contains("no closing"), "{text}");
        let (line, text) = problem("[default]\n\nthis line has no equals sign\n");
        assert_eq!(line, 3);
        assert!(text.contains("key = value"), "{text}");
        assert_eq!(problem("[default]\n = value\n").0, 2);
        assert_eq!(problem("[]\n").0, 1);
        assert_eq!(problem("[default] junk\n").0, 1);
        let Err(err) = parse_str("[a]\nbad\n") else {
            panic!("accepted a line without `=`")
        };
        assert_eq!(
            err.to_string(),
            "/home/u/.aws/config:2: expected `key = value`, a `[section]` header or a comment"
        );
    }

    /// A bare `\r` ends a line (as botocore reads the file), and no error quotes the file: a
    /// header followed by text once echoed the rest of the line, with bare-CR line endings the
    /// whole file.
    #[test]
    fn bare_cr_ends_lines_and_errors_quote_nothing() {
        let sections =
            parse_str("[x]\raws_access_key_id = CR\raws_secret_access_key = S\r").unwrap();
        assert_eq!(sections[0].header, "x");
        assert_eq!(sections[0].properties.len(), 2);
        assert_eq!(sections[0].properties[1].1.line, 3);
        for text in [
            "[x] HUNTER2SECRET\n",
            "[x] junk\raws_secret_access_key = HUNTER2SECRET\r",
            "HUNTER2SECRET = x\n",
            "[x]\naws_access_key_id = A\nHUNTER2SECRET\n",
        ] {
            let Err(err) = parse_str(text) else {
                panic!("accepted a broken file")
            };
            assert!(!format!("{err} {err:?}").contains("HUNTER2SECRET"), "{err}");
        }
        assert_eq!(problem("[x] junk\rkey = HUNTER2SECRET\r").0, 1);
    }
}
