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
    ///
    /// A variable takes the shortest value that lets the rest of the
    /// template match. The work is linear in the URI's length: a long URI
    /// costs no more than reading it a few times per template part.
    pub fn match_uri(&self, uri: &str) -> Option<Vec<(String, String)>> {
        matches(&self.parts, uri)
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Which characters a variable may take: at least one, none of `?`, `#`
/// (and `/` for a simple variable).
fn allowed(reserved: bool, b: u8) -> bool {
    !(b == b'?' || b == b'#' || (!reserved && b == b'/'))
}

/// Matches in time linear in the URI's length (times the template's, which
/// is fixed by the server author), with the captures a backtracking matcher
/// that tries each variable's shortest value first would find.
///
/// `ok[i][p]` says whether `parts[i..]` match `uri[p..]`; it is filled from
/// the right, each cell from its right-hand neighbours, so every position is
/// looked at once per part. The captures are then read left to right: each
/// variable ends at the first position from which the rest can match.
fn matches(parts: &[Part], uri: &str) -> Option<Vec<(String, String)>> {
    let bytes = uri.as_bytes();
    let n = bytes.len();
    // Cheap refusals first: most templates tried against a URI are not it.
    if let Some(Part::Literal(lit)) = parts.first() {
        if !uri.starts_with(lit.as_str()) {
            return None;
        }
    }
    if let Some(Part::Literal(lit)) = parts.last() {
        if !uri.ends_with(lit.as_str()) {
            return None;
        }
    }
    // For a query expansion: where the query that starts at `p` ends (the next `#`).
    let query_end = parts.iter().any(|p| matches!(p, Part::Query(_))).then(|| {
        let mut ends = vec![n; n + 1];
        for p in (0..n).rev() {
            ends[p] = if bytes[p] == b'#' { p } else { ends[p + 1] };
        }
        ends
    });
    let width = n + 1;
    let mut ok = vec![false; (parts.len() + 1) * width];
    ok[parts.len() * width + n] = true;
    for (i, part) in parts.iter().enumerate().rev() {
        let (row, next) = ok[i * width..].split_at_mut(width);
        match part {
            Part::Literal(lit) => {
                let lit = lit.as_bytes();
                if lit.len() <= n {
                    for p in 0..=n - lit.len() {
                        row[p] = next[p + lit.len()] && bytes[p..].starts_with(lit);
                    }
                }
            }
            Part::Simple(_) | Part::Reserved(_) => {
                let reserved = matches!(part, Part::Reserved(_));
                // Whether a value may start at `p + 1`, char boundary or not:
                // a value starting at `p` ends after its first byte, or goes on.
                let mut goes_on = false;
                for p in (0..n).rev() {
                    let here = allowed(reserved, bytes[p])
                        && ((uri.is_char_boundary(p + 1) && next[p + 1]) || goes_on);
                    goes_on = here;
                    row[p] = here && uri.is_char_boundary(p);
                }
            }
            Part::Query(_) => {
                let ends = query_end.as_deref().unwrap_or_default();
                for p in 0..=n {
                    // Query expansions are optional; a `?` here starts one.
                    row[p] = if bytes.get(p) == Some(&b'?') {
                        next[ends[p]]
                    } else {
                        next[p]
                    };
                }
            }
        }
    }
    if !ok[0] {
        return None;
    }
    let mut vars = Vec::new();
    let mut p = 0;
    for (i, part) in parts.iter().enumerate() {
        let next = &ok[(i + 1) * width..(i + 2) * width];
        match part {
            Part::Literal(lit) => p += lit.len(),
            Part::Simple(name) | Part::Reserved(name) => {
                // Some end exists (ok[i][p]); the first one is the shortest value.
                let end = (p + 1..=n)
                    .find(|&e| uri.is_char_boundary(e) && next[e])
                    .unwrap_or(n);
                vars.push((name.clone(), percent_decode(&uri[p..end])));
                p = end;
            }
            Part::Query(names) => {
                if bytes.get(p) == Some(&b'?') {
                    let end = query_end.as_deref().map_or(n, |ends| ends[p]);
                    for pair in uri[p + 1..end].split('&') {
                        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                        if names.iter().any(|n| n == k) {
                            vars.push((k.to_owned(), percent_decode(v)));
                        }
                    }
                    p = end;
                }
            }
        }
    }
    Some(vars)
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

    /// The matcher this one replaced: backtracking, shortest value first,
    /// quadratic or worse in the URI's length. Kept as the reference for
    /// which captures a match must give.
    fn backtracking(parts: &[Part], uri: &str, vars: &mut Vec<(String, String)>) -> bool {
        let Some((first, rest)) = parts.split_first() else {
            return uri.is_empty();
        };
        match first {
            Part::Literal(lit) => uri
                .strip_prefix(lit.as_str())
                .is_some_and(|tail| backtracking(rest, tail, vars)),
            Part::Simple(name) | Part::Reserved(name) => {
                let reserved = matches!(first, Part::Reserved(_));
                let limit = uri
                    .find(|c: char| c == '?' || c == '#' || (!reserved && c == '/'))
                    .unwrap_or(uri.len());
                for end in (1..=limit).filter(|&i| uri.is_char_boundary(i)) {
                    let mark = vars.len();
                    vars.push((name.clone(), percent_decode(&uri[..end])));
                    if backtracking(rest, &uri[end..], vars) {
                        return true;
                    }
                    vars.truncate(mark);
                }
                false
            }
            Part::Query(names) => {
                let Some(query) = uri.strip_prefix('?') else {
                    return backtracking(rest, uri, vars);
                };
                let end = query.find('#').unwrap_or(query.len());
                for pair in query[..end].split('&') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if names.iter().any(|n| n == k) {
                        vars.push((k.to_owned(), percent_decode(v)));
                    }
                }
                backtracking(rest, &query[end..], vars)
            }
        }
    }

    #[test]
    fn same_captures_as_backtracking_on_generated_cases() {
        // A small xorshift generator: the cases are the same on every run.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let pieces = [
            "x://", "/", "-", ".", "ab", "?", "#", "{a}", "{b}", "{+r}", "{?q,z}", "é", "a-",
        ];
        let letters = [
            "a", "b", "-", ".", "/", "?", "#", "=", "&", "q", "z", "%41", "é", "ab", "a-",
        ];
        let (mut checked, mut matched) = (0, 0);
        for _ in 0..3000 {
            let template: String = (0..1 + next(5)).map(|_| pieces[next(pieces.len())]).collect();
            let Ok(t) = UriTemplate::parse(&template) else {
                continue;
            };
            for _ in 0..20 {
                // URIs made from the template's own text match more often.
                let uri: String = (0..next(12))
                    .map(|_| {
                        if next(3) == 0 {
                            template.replace(['{', '}', '+'], "")
                        } else {
                            letters[next(letters.len())].to_owned()
                        }
                    })
                    .collect();
                let mut want = Vec::new();
                let want = backtracking(&t.parts, &uri, &mut want).then_some(want);
                assert_eq!(t.match_uri(&uri), want, "template {template:?}, URI {uri:?}");
                checked += 1;
                matched += usize::from(want.is_some());
            }
        }
        // The comparison is only worth something if both outcomes occur often.
        assert!(
            checked > 20_000 && matched > 1_000,
            "{checked} cases, {matched} matches"
        );
    }

    #[test]
    fn shortest_value_first_and_the_end_anchors() {
        let t = UriTemplate::parse("x://{a}.{b}.json").unwrap();
        let v = t.match_uri("x://p.q.r.json").unwrap();
        assert_eq!(v, [("a".into(), "p".into()), ("b".into(), "q.r".into())]);
        let t = UriTemplate::parse("x://{+r}/end").unwrap();
        assert_eq!(t.match_uri("x://a/end/b/end").unwrap()[0].1, "a/end/b");
        assert!(t.match_uri("x://a/end/b").is_none());
        let t = UriTemplate::parse("x://{a}{?q}").unwrap();
        let v = t.match_uri("x://k?q=1&other=2#frag");
        assert!(v.is_none(), "the fragment is left over: {v:?}");
        let t = UriTemplate::parse("x://{a}{?q}#f").unwrap();
        let v = t.match_uri("x://k?q=%31&other=2#f").unwrap();
        assert_eq!(v, [("a".into(), "k".into()), ("q".into(), "1".into())]);
    }

    #[test]
    fn long_uris_are_matched_in_linear_time() {
        // The old matcher took seconds at 20,000 characters (quadratic or
        // worse); linear work on these is a few milliseconds even unoptimized.
        let t = UriTemplate::parse("users://{id}/profile").unwrap();
        let long = "a".repeat(200_000);
        let started = std::time::Instant::now();
        assert!(t.match_uri(&format!("users://{long}")).is_none());
        assert!(t.match_uri(&format!("users://{long}/profile/")).is_none());
        let v = t.match_uri(&format!("users://{long}/profile")).unwrap();
        assert_eq!(v[0].1.len(), 200_000);
        let t = UriTemplate::parse("x://{a}-{b}-{+c}.txt").unwrap();
        let dashes = "a-".repeat(100_000);
        assert!(t.match_uri(&format!("x://{dashes}")).is_none());
        assert!(t.match_uri(&format!("x://{dashes}.txt")).is_some());
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");
    }

    #[test]
    fn unicode_and_bad_escapes_do_not_panic() {
        let t = UriTemplate::parse("x://{a}").unwrap();
        assert_eq!(t.match_uri("x://héllo").unwrap()[0].1, "héllo");
        assert_eq!(t.match_uri("x://%zz%").unwrap()[0].1, "%zz%");
    }
}
