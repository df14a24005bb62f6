//! Shared and rotated `requestState` keys: a multi round-trip request begun
//! on one replica is finished on another that holds the key (or the key it
//! replaced), refused by one that does not, and a bad
//! `MCP_SERVE_REQUEST_STATE_KEY` stops the server at its start.

use std::process::Stdio;

use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::ClientCapabilities;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use super::http::within;

/// Asks for a colour under an explicit key, then says which.
#[tool]
async fn pick(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .input_request(
            Some("color"),
            "elicitation/create",
            json!({"mode": "form", "message": "Pick a colour", "requestedSchema": {"type": "object", "properties": {"color": {"type": "string"}}}}),
        )
        .await?;
    Ok(format!(
        "picked {}",
        answer["content"]["color"].as_str().unwrap_or("nothing")
    ))
}

/// A replica: a modern client on its own server, keyed by `keys`.
async fn replica(keys: &[&[u8]]) -> TestClient {
    let server = Server::new("replica", "1.0.0")
        .tool(pick)
        .request_state_keys(keys.iter().map(|k| k.to_vec()))
        .into_handle()
        .unwrap();
    let capabilities: ClientCapabilities = serde_json::from_value(json!({"elicitation": {}})).unwrap();
    // No input handler: `input_required` comes back as is, for the test to
    // carry to another replica.
    TestClient::connect(
        &server,
        ClientOptions {
            era: Era::Modern,
            capabilities,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// The `requestState` of a first call to `pick`.
async fn begin(on: &TestClient) -> String {
    let first = on
        .request_raw("tools/call", Some(json!({"name": "pick", "arguments": {}})))
        .await
        .unwrap();
    assert_eq!(first["resultType"], "input_required", "{first}");
    first["requestState"].as_str().unwrap().to_owned()
}

/// The retry of `pick` with an answer and `state`.
async fn finish(on: &TestClient, state: &str) -> Result<Value, mcp_serve::client::ClientError> {
    let answer = json!({"color": {"action": "accept", "content": {"color": "teal"}}});
    on.request_raw(
        "tools/call",
        Some(json!({"name": "pick", "arguments": {}, "inputResponses": answer, "requestState": state})),
    )
    .await
}

#[tokio::test]
async fn a_retry_is_finished_by_any_replica_holding_the_key_and_refused_by_others() {
    const OLD: &[u8] = b"the key every replica had, 32 bytes+";
    const NEW: &[u8] = b"the key that signs after rotation!!!";
    const OTHER: &[u8] = b"a key no other replica has, 32 bytes";
    let a = replica(&[OLD]).await;
    let b = replica(&[OLD]).await;
    // Mid-rotation: signs with the new key, still verifies the old one.
    let rotating = replica(&[NEW, OLD]).await;
    let rotated = replica(&[NEW]).await;
    let stranger = replica(&[OTHER]).await;

    // Begun on one replica, finished on another with the same key.
    let done = finish(&b, &begin(&a).await).await.unwrap();
    assert_eq!(done["content"][0]["text"], "picked teal", "{done}");

    // A state signed with the old key is accepted after the rotation.
    let done = finish(&rotating, &begin(&a).await).await.unwrap();
    assert_eq!(done["content"][0]["text"], "picked teal", "{done}");

    // A state the rotating replica signed (new key) is finished where only
    // the new key is left...
    let state = begin(&rotating).await;
    let done = finish(&rotated, &state).await.unwrap();
    assert_eq!(done["content"][0]["text"], "picked teal", "{done}");
    // ...and refused by a replica that has only the old one.
    let err = finish(&a, &state).await.unwrap_err();
    let rpc = err.rpc().expect("a JSON-RPC error");
    assert_eq!(rpc.code, -32602, "{err}");

    // A state signed with a key no replica knows is refused, saying why.
    for on in [&a, &rotating, &rotated] {
        let err = finish(on, &begin(&stranger).await).await.unwrap_err();
        let rpc = err.rpc().expect("a JSON-RPC error");
        assert_eq!(rpc.code, -32602, "{err}");
        assert!(rpc.message.contains("integrity check failed"), "{}", rpc.message);
    }
    // And an old-key state once the old key is dropped.
    let err = finish(&rotated, &begin(&a).await).await.unwrap_err();
    assert!(
        err.rpc().unwrap().message.contains("integrity check failed"),
        "{err}"
    );
}

#[tokio::test]
async fn keys_from_code_that_cannot_sign_stop_the_build() {
    let err = Server::new("s", "1")
        .request_state_keys(Vec::<Vec<u8>>::new())
        .into_handle()
        .unwrap_err();
    assert!(err.to_string().contains("request_state_keys"), "{err}");
    let err = Server::new("s", "1")
        .request_state_key(Vec::new())
        .into_handle()
        .unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

/// The quickstart started with `MCP_SERVE_REQUEST_STATE_KEY=value`: its
/// exit status and what it wrote to stderr.
async fn quickstart_with_key(value: &str) -> (std::process::ExitStatus, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(super::stdio::quickstart().await)
        .env_remove("PORT")
        .env("MCP_SERVE_HTTP", format!("127.0.0.1:{port}"))
        .env("MCP_SERVE_REQUEST_STATE_KEY", value)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let status = within("the refusal", child.wait()).await.unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    (status, stderr)
}

#[tokio::test]
async fn a_bad_key_in_the_environment_stops_the_start_and_says_what_to_write() {
    let good = "c2lnbmluZyBrZXkgc2lnbmluZyBrZXkgc2lnbmluZyE=";
    for (value, says) in [
        ("hunter2", "the key is not base64"),
        ("c2hvcnQ=", "the key is 5 bytes, fewer than 32"),
        (&format!("{good},"), "key 2 of 2 is empty"),
        ("", "no key given"),
    ] {
        let (status, stderr) = quickstart_with_key(value).await;
        assert!(!status.success(), "{value:?}: refused to start");
        assert!(
            stderr.contains("MCP_SERVE_REQUEST_STATE_KEY")
                && stderr.contains(says)
                && stderr.contains("openssl rand -base64 32"),
            "{value:?}: {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "the value is not echoed: {stderr}");
    }
}
