//! `mcp-serve proxy --config FILE`: every server of a client config behind
//! one endpoint, each namespaced by its name, against the example servers
//! run as child processes; a server that cannot start is reported, not fatal;
//! a bad config gets a usage error saying what to fix.

use std::path::Path;

use serde_json::json;

use super::cli::{BIN, cli, example, free_port, modern_meta, names, post, start_http};

fn write(dir: &Path, name: &str, config: &serde_json::Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, config.to_string()).expect("write the config");
    path.to_string_lossy().into_owned()
}

#[test]
fn a_whole_config_is_served_as_one_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "mcp.json",
        &serde_json::json!({"mcpServers": {
            "calc": {"command": example("quickstart")},
            "all": {"type": "stdio", "command": example("everything"), "args": []},
            "gone": {"command": "/nonexistent/mcp-server"}
        }}),
    );
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _gateway = start_http(BIN, &["proxy", "--config", &config, "--http", &addr], port);
    let url = format!("http://{addr}/mcp");

    let tools = cli(&["list", &url, "tools"]).expect_code(0).json();
    let tools = names(&tools["tools"], "name");
    for wanted in ["calc_add", "calc_divide", "all_test_error_handling"] {
        assert!(tools.contains(&wanted.to_owned()), "{wanted} in {tools:?}");
    }
    assert!(!tools.iter().any(|t| t.starts_with("gone_")), "{tools:?}");
    assert_eq!(
        cli(&["call", &url, "calc_add", "a=2", "b=3"])
            .expect_code(0)
            .text(),
        "5"
    );
    // Both eras on the front.
    let v = cli(&["call", &url, "calc_add", "a=2", "b=3", "--protocol", "legacy"])
        .expect_code(0)
        .json();
    assert_eq!(v["content"][0]["text"], "5");
    // A tool error of a target passes through as one.
    let r = cli(&["call", &url, "calc_divide", "a=1", "b=0"]);
    assert_eq!(r.expect_code(1).json()["isError"], true);
    // The target that could not start: its namespace answers with why, and
    // the lists say it is down.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let headers = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "gone_x"),
        ];
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "gone_x", "arguments": {}, "_meta": modern_meta()}});
        let (_, _, r) = post(&http, &url, &headers, call).await;
        let r = r.expect("a tools/call response");
        assert_eq!(r["result"]["isError"], true, "{r}");
        let text = r["result"]["content"][0]["text"].as_str().unwrap_or_default();
        assert!(text.contains("`gone`") && text.contains("unavailable"), "{r}");
        let headers = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/list"),
        ];
        let list =
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"_meta": modern_meta()}});
        let (_, _, r) = post(&http, &url, &headers, list).await;
        let r = r.expect("a tools/list response");
        let down = &r["result"]["_meta"]["io.mcp-serve/gateway"]["down"];
        assert!(
            down["gone"]
                .as_str()
                .is_some_and(|why| why.contains("nonexistent")),
            "{r}"
        );
        assert!(down.get("calc").is_none(), "{r}");
    });
}

#[test]
fn a_bad_config_says_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "mcp.json",
        &serde_json::json!({"mcpServers": {"calc": {"args": ["x"]}}}),
    );
    let r = cli(&["proxy", "--config", &config]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("`calc`")
            && r.stderr.contains("neither `command`")
            && r.stderr.contains("mcp.json"),
        "{}",
        r.stderr
    );
    let r = cli(&[
        "proxy",
        "--config",
        &dir.path().join("missing.json").to_string_lossy(),
    ]);
    r.expect_code(2);
    assert!(r.stderr.contains("cannot read the config file"), "{}", r.stderr);
    let config = write(
        dir.path(),
        "other.json",
        &serde_json::json!({"mcpServers": {"a": {"command": "a"}}}),
    );
    let r = cli(&["proxy", "--config", &config, "-H", "X: y"]);
    r.expect_code(2);
    assert!(r.stderr.contains("in each entry"), "{}", r.stderr);
}
