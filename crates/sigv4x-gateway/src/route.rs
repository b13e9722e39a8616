//! Route templates (`/orders/{id}`, `/{proxy+}`) and matching a request path against them.

use crate::error::GatewayError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: any one non-empty segment.
    Param,
    /// `{name+}`: one or more segments, last in the template.
    Greedy,
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    segments: Vec<Segment>,
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

impl Template {
    pub(crate) fn parse(template: &str) -> Result<Self, GatewayError> {
        if !template.starts_with('/') {
            return Err(GatewayError::invalid(format!(
                "route path {template:?} must start with '/'"
            )));
        }
        let mut out = Vec::new();
        let parts: Vec<&str> = segments(template).collect();
        for (i, part) in parts.iter().enumerate() {
            let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if name.ends_with('+') && name.len() > 1 => {
                    if i + 1 != parts.len() {
                        return Err(GatewayError::invalid(format!(
                            "route path {template:?}: a greedy {{{name}}} must be the last segment"
                        )));
                    }
                    Segment::Greedy
                }
                Some(name) if !name.is_empty() && !name.contains(['{', '}', '+']) => Segment::Param,
                Some(_) => {
                    return Err(GatewayError::invalid(format!(
                        "route path {template:?}: empty or malformed parameter {part:?}"
                    )))
                }
                None if part.contains(['{', '}']) => {
                    return Err(GatewayError::invalid(format!(
                        "route path {template:?}: a parameter must be a whole segment, not {part:?}"
                    )))
                }
                None => Segment::Literal((*part).to_owned()),
            };
            out.push(segment);
        }
        Ok(Template { segments: out })
    }

    /// Whether `path` (under the stage) matches.
    pub(crate) fn matches(&self, path: &str) -> bool {
        let mut given = segments(path);
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Greedy => {
                    // At least one segment must remain; the greedy one is last (checked at
                    // parse time).
                    return given.next().is_some() && i + 1 == self.segments.len();
                }
                Segment::Param => {
                    if given.next().is_none() {
                        return false;
                    }
                }
                Segment::Literal(lit) => {
                    if given.next() != Some(lit.as_str()) {
                        return false;
                    }
                }
            }
        }
        given.next().is_none()
    }

    /// How specific the template is, to choose among several matches: literal segments first,
    /// then having no greedy segment.
    pub(crate) fn specificity(&self) -> (usize, bool) {
        let literals = self
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        let greedy = self.segments.contains(&Segment::Greedy);
        (literals, !greedy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Template {
        Template::parse(s).unwrap()
    }

    #[test]
    fn literal_param_and_greedy_segments() {
        assert!(t("/orders").matches("/orders"));
        assert!(t("/orders").matches("/orders/"));
        assert!(!t("/orders").matches("/orders/7"));
        assert!(!t("/orders").matches("/order"));
        assert!(t("/orders/{id}").matches("/orders/7"));
        assert!(!t("/orders/{id}").matches("/orders"));
        assert!(!t("/orders/{id}").matches("/orders/7/items"));
        assert!(t("/{proxy+}").matches("/a/b/c"));
        assert!(!t("/{proxy+}").matches("/"));
        assert!(t("/").matches("/"));
        assert!(!t("/").matches("/x"));
    }

    #[test]
    fn malformed_templates_are_refused() {
        for bad in ["orders", "/{proxy+}/x", "/{}", "/a{id}", "/{+}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn more_literals_are_more_specific() {
        assert!(t("/orders/{id}").specificity() > t("/{a}/{b}").specificity());
        assert!(t("/{a}").specificity() > t("/{proxy+}").specificity());
    }
}
