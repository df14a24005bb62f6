//! `auth::Policy`: rules over the caller and the arguments, for what
//! scopes cannot say, over HTTP with real credentials in both eras.

use mcp_serve::auth::{ApiKeys, Auth, Policy, Principal};
use mcp_serve::client::{Client, ClientOptions};
use mcp_serve::middleware::Select;
use mcp_serve::prelude::*;
use mcp_serve::transport::http::HttpOptions;
use serde_json::json;

use super::middleware::{Served, eras};

/// Delete a file.
#[tool]
fn delete_file(path: String) -> String {
    format!("deleted {path}")
}

/// Read a file.
#[tool]
fn read_file(path: String) -> String {
    format!("contents of {path}")
}

/// A review checklist.
#[prompt]
fn checklist() -> String {
    "check everything".into()
}

fn policy() -> Policy {
    Policy::new()
        .rule(Select::tool("delete_file"), "only alice deletes files", |req| {
            req.context().principal().is_some_and(|p| p.subject == "alice")
        })
        .rule(Select::tool("delete_file"), "/etc is off limits", |req| {
            req.arguments()
                .and_then(|a| a.get("path"))
                .and_then(|p| p.as_str())
                .is_some_and(|p| !p.starts_with("/etc"))
        })
        .rule(
            Select::methods(["prompts/get"]),
            "prompts are for the reviewers",
            |req| {
                req.context()
                    .principal()
                    .is_some_and(|p| p.scopes.iter().any(|s| s == "review"))
            },
        )
}

#[tokio::test]
async fn a_policy_decides_by_caller_and_arguments_in_both_eras() {
    let handle = Server::new("files", "1.0.0")
        .middleware(policy())
        .tool(delete_file)
        .tool(read_file)
        .prompt(checklist)
        .into_handle()
        .unwrap();
    let served = Served::start_with(handle, |url| {
        let keys = ApiKeys::new()
            .key("k-alice", Principal::new("alice"))
            .key("k-bob", Principal::new("bob").with_scopes(["review"]));
        HttpOptions::default().auth(Auth::new(url).verifier(keys))
    })
    .await;
    for era in eras() {
        let as_who = |key: &str| ClientOptions {
            era,
            headers: vec![("authorization".into(), format!("Bearer {key}"))],
            ..Default::default()
        };
        let alice = Client::connect_http(&served.url, as_who("k-alice"))
            .await
            .unwrap();
        let bob = Client::connect_http(&served.url, as_who("k-bob")).await.unwrap();

        let r = alice
            .call_tool("delete_file", json!({"path": "/tmp/x"}))
            .await
            .unwrap();
        assert_eq!(r.is_error, None, "{era:?}: {r:?}");
        let r = alice
            .call_tool("delete_file", json!({"path": "/etc/passwd"}))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true), "{era:?}");
        assert_eq!(r.content[0].as_text(), Some("Not allowed: /etc is off limits."));

        let r = bob
            .call_tool("delete_file", json!({"path": "/tmp/x"}))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true), "{era:?}");
        assert_eq!(
            r.content[0].as_text(),
            Some("Not allowed: only alice deletes files.")
        );
        // Rules bind only what they select.
        let r = bob
            .call_tool("read_file", json!({"path": "/etc/hosts"}))
            .await
            .unwrap();
        assert_eq!(r.is_error, None, "{era:?}");

        bob.get_prompt("checklist", json!({})).await.unwrap();
        let e = alice.get_prompt("checklist", json!({})).await.unwrap_err();
        assert!(
            e.to_string()
                .contains("Not allowed: prompts are for the reviewers."),
            "{era:?}: {e}"
        );
    }
    served.stop().await;
}
