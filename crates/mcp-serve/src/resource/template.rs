//! RFC 6570 URI templates, as MCP resource templates use them: simple
//! `{var}` (one path segment, percent-decoded), reserved `{+var}` (may span
//! `/`), and form-style query `{?a,b}` expansions, for matching and completion.

use std::fmt;

/// A parsed URI template.
///
/// ```
/// use mcp_serve::resource::UriTemplate;
/// let t = UriTemplate::parse("users://{id}/profile").unwrap();
/// let vars = t.match_uri("users://42/profile").unwrap();
/// assert_eq!(vars, vec![("id".to_string(), "42".to_string())]);
/// assert!(t.match_uri("users://42/other").is_none());
/// assert_eq!(t.variables().collect::<Vec<_>>(), ["id"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Simple(String),
    Reserved(String),
    Query(Vec<String>),
}

/// A URI template that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid URI template {template:?}: {reason}")]
pub struct TemplateError {
    template: String,
    reason: &'static str,
}

impl UriTemplate {
    /// Parses a template.
    ///
    /// # Errors
    /// An unclosed brace, an empty or malformed variable name, or an operator
    /// this implementation does not match (`#`, `.`, `/`, `;`, `&`).
    pub fn parse(template: &str) -> Result<Self, TemplateError> {
        let err = |reason| TemplateError {
            template: template.to_owned(),
            reason,
        };
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let close = rest[open..].find('}').ok_or_else(|| err("unclosed '{'"))? + open;
            let expr = &rest[open + 1..close];
            let (op, names) = match expr.chars().next() {
                Some(c @ ('+' | '?')) => (Some(c), &expr[1..]),
                Some('#' | '.' | '/' | ';' | '&') => return Err(err("unsupported operator")),
                _ => (None, expr),
            };
            let names: Vec<String> = names
                .split(',')
                .map(|n| n.trim_end_matches('*').to_owned())
                .collect();
            if names.iter().any(|n| {
                n.is_empty()
                    || !n
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            }) {
                return Err(err("a variable name must be letters, digits, '_' or '.'"));
            }
            match op {
                Some('?') => parts.push(Part::Query(names)),
                _ if names.len() != 1 => return Err(err("one variable per path expression")),
                Some('+') => parts.push(Part::Reserved(names.into_iter().next().unwrap_or_default())),
                _ => parts.push(Part::Simple(names.into_iter().next().unwrap_or_default())),
            }
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(err("unmatched '}'"));
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(UriTemplate {
            source: template.to_owned(),
            parts,
        })
    }

    /// The template text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the template has no variables (a plain URI).
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// The variable names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().flat_map(|p| match p {
            Part::Literal(_) => Vec::new(),
            Part::Simple(n) | Part::Reserved(n) => vec![n.as_str()],
            Part::Query(ns) => ns.iter().map(String::as_str).collect(),
        })
    }

    /// Matches a URI, returning each variable's decoded value.
    pub fn match_uri(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut vars = Vec::new();
        matches(&self.parts, uri, &mut vars).then_some(vars)
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Backtracking matcher; templates are tiny so this is cheap.
fn matches(parts: &[Part], uri: &str, vars: &mut Vec<(String, String)>) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return uri.is_empty();
    };
    match first {
        Part::Literal(lit) => uri
            .strip_prefix(lit.as_str())
            .is_some_and(|tail| matches(rest, tail, vars)),
        Part::Simple(name) | Part::Reserved(name) => {
            let reserved = matches!(first, Part::Reserved(_));
            let limit = uri
                .find(|c: char| c == '?' || c == '#' || (!reserved && c == '/'))
                .unwrap_or(uri.len());
            // Shortest match first, so a following literal anchors the variable.
            for end in (1..=limit).filter(|&i| uri.is_char_boundary(i)) {
                let mark = vars.len();
                vars.push((name.clone(), percent_decode(&uri[..end])));
                if matches(rest, &uri[end..], vars) {
                    return true;
                }
                vars.truncate(mark);
            }
            false
        }
        Part::Query(names) => {
            let Some(query) = uri.strip_prefix('?') else {
                // Query variables are optional.
                return matches(rest, uri, vars);
            };
            let end = query.find('#').unwrap_or(query.len());
            for pair in query[..end].split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if names.iter().any(|n| n == k) {
                    vars.push((k.to_owned(), percent_decode(v)));
                }
            }
            matches(rest, &query[end..], vars)
        }
    }
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        let t = UriTemplate::parse("file:///{+path}").unwrap();
        assert_eq!(t.match_uri("file:///a/b.txt").unwrap()[0].1, "a/b.txt");
        let t = UriTemplate::parse("repo://{owner}/{name}").unwrap();
        let v = t.match_uri("repo://me/my%20repo").unwrap();
        assert_eq!(v[1], ("name".into(), "my repo".into()));
        assert!(t.match_uri("repo://me").is_none());
        assert!(t.match_uri("repo://me/x/y").is_none());
        let t = UriTemplate::parse("search://items{?q,limit}").unwrap();
        let v = t.match_uri("search://items?q=rust&limit=5").unwrap();
        assert_eq!(v.len(), 2);
        assert!(UriTemplate::parse("x://{a").is_err());
        assert!(UriTemplate::parse("x://{}").is_err());
        assert!(UriTemplate::parse("x://{#a}").is_err());
        assert!(UriTemplate::parse("x://a").unwrap().is_literal());
    }

    #[test]
    fn unicode_and_bad_escapes_do_not_panic() {
        let t = UriTemplate::parse("x://{a}").unwrap();
        assert_eq!(t.match_uri("x://héllo").unwrap()[0].1, "héllo");
        assert_eq!(t.match_uri("x://%zz%").unwrap()[0].1, "%zz%");
    }
}
