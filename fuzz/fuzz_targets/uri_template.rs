//! URI templates (`resource::UriTemplate`): parsing arbitrary templates and
//! matching arbitrary URIs must never panic, a literal template matches
//! exactly its own text, and a match binds only names the template declares.
//!
//! Inputs are capped at 4 KiB. The matcher is linear in the URI's length
//! (for a given template), so no input may time out: `seed-cubic-timeout`
//! (220 bytes) took over 10 s with the old backtracking matcher.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_serve::resource::UriTemplate;

const CAP: usize = 4096;

// The input is `template\nuri` (UTF-8; anything else is skipped).
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (template, uri) = text.split_once('\n').unwrap_or((text, ""));
    let (template, uri) = (template.to_owned(), uri.to_owned());
    if template.len() > CAP || uri.len() > CAP {
        return;
    }
    let Ok(t) = UriTemplate::parse(&template) else {
        return;
    };
    assert_eq!(t.as_str(), template);
    let declared: Vec<&str> = t.variables().collect();
    if t.is_literal() {
        assert!(declared.is_empty(), "a literal template with variables");
        assert!(
            t.match_uri(&template).is_some(),
            "{template:?} does not match itself"
        );
        let mut longer = template.clone();
        longer.push('x');
        assert!(
            t.match_uri(&longer).is_none(),
            "{template:?} matches a longer URI"
        );
    }
    if let Some(vars) = t.match_uri(&uri) {
        for (name, _) in &vars {
            assert!(
                declared.contains(&name.as_str()),
                "{name:?} is not a variable of {template:?}"
            );
        }
    }
});
