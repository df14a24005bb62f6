//! Compile-fail tests of the `#[tool]`, `#[resource]` and `#[prompt]` macros:
//! misuse must be rejected with an error that explains the mistake.
//!
//! Regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p mcp-serve --test integration ui::`.

use std::process::Command;

/// The compiler the `.stderr` snapshots were written with. Diagnostics change
/// between releases, so another compiler is told so instead of failing on a
/// wording difference. Update it when regenerating the snapshots.
const SNAPSHOT_RUSTC: &str = include_str!("../ui/RUSTC_VERSION");

#[test]
fn snapshots_match_this_compiler() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .arg("--version")
        .output()
        .expect("rustc --version");
    let version = String::from_utf8_lossy(&out.stdout);
    let expected = SNAPSHOT_RUSTC.trim();
    assert!(
        version.starts_with(&format!("rustc {expected} ")),
        "the compile-fail snapshots in tests/ui were written with rustc {expected}, this is {}: \
         run `TRYBUILD=overwrite cargo test -p mcp-serve --test integration ui::`, review the .stderr changes, \
         and put the new version in tests/ui/RUSTC_VERSION",
        version.trim()
    );
}

#[test]
fn misuse_is_rejected_with_readable_errors() {
    let t = trybuild::TestCases::new();
    for case in [
        "method_self",
        "generic_fn",
        "pattern_param",
        "unknown_option",
        "unknown_annotation",
        "annotation_title_without_value",
        "option_of_other_macro",
        "resource_without_uri",
        "resource_param_not_in_template",
        "template_var_without_param",
        "arg_on_context",
        "arg_bogus",
        "tool_on_struct",
        "bad_return_type",
        "resource_bad_return_type",
        "prompt_bad_return_type",
        "arg_not_deserialize",
        "ctx_not_extractor",
        "tool_without_attribute",
        "inline_async",
        "empty_tag",
    ] {
        t.compile_fail(format!("tests/ui/{case}.rs"));
    }
}
