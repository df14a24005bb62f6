//! Compile-fail tests of the `#[tool]`, `#[resource]` and `#[prompt]` macros:
//! misuse must be rejected with an error that explains the mistake.
//!
//! Regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p mcp-serve --test ui`.

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
    ] {
        t.compile_fail(format!("tests/ui/{case}.rs"));
    }
}
