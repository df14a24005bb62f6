//! `Client::listen`: `subscriptions/listen` streams for modern servers (in
//! memory and over Streamable HTTP), and the same API on legacy sessions.

use std::time::Duration;

use mcp_serve::client::{Client, ClientOptions, Era};
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::SubscriptionFilter;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::server::ServerHandle;

/// The app's configuration.
#[resource("config://app")]
fn config() -> &'static str {
    "debug=true"
}

fn server() -> ServerHandle {
    Server::new("s", "1").resource(config).into_handle().unwrap()
}

fn filter() -> SubscriptionFilter {
    SubscriptionFilter::default()
        .tools_changes()
        .resource("config://app")
}

async fn exercise(server: &ServerHandle, client: &Client) {
    let mut sub = tokio::time::timeout(Duration::from_secs(10), client.listen(filter()))
        .await
        .expect("listen answers in time")
        .unwrap();
    assert_eq!(sub.accepted().tools_list_changed, Some(true));
    // Not asked for: prompt list changes and other resources.
    server.notify_list_changed(mcp_serve::engine::ListKind::Prompts);
    server.notify_resource_updated("config://other");
    server.notify_resource_updated("config://app");
    server
        .add_tool(
            mcp_serve::tool::Tool::new("late").raw_handler(|_, _| async { Ok(CallToolResult::text("hi")) }),
        )
        .unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        let n = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .expect("a notification in time")
            .expect("the stream is open");
        got.push((n.method.clone(), n.params.and_then(|p| p.get("uri").cloned())));
    }
    assert_eq!(got[0].0, "notifications/resources/updated");
    assert_eq!(got[0].1, Some(serde_json::json!("config://app")));
    assert_eq!(got[1].0, "notifications/tools/list_changed");
    sub.close().await;
}

#[tokio::test]
async fn modern_in_memory() {
    let server = server();
    let client = Client::connect_in_memory(&server, ClientOptions::default())
        .await
        .unwrap();
    assert_eq!(client.era(), Era::Modern);
    exercise(&server, &client).await;
    // A second subscription after the first closed works too.
    exercise(&server, &client).await;
}

#[tokio::test]
async fn legacy_session_same_api() {
    let server = server();
    let options = ClientOptions {
        era: Era::Legacy(ProtocolVersion::V2025_11_25),
        ..Default::default()
    };
    let client = Client::connect_in_memory(&server, options).await.unwrap();
    exercise(&server, &client).await;
}

#[tokio::test]
async fn modern_over_streamable_http() {
    let server = server();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = server.clone();
    tokio::spawn(async move {
        mcp_serve::transport::http::serve_listener(
            &handle,
            listener,
            Default::default(),
            std::future::pending(),
        )
        .await
    });
    let client = Client::connect_http(&format!("http://{addr}/mcp"), ClientOptions::default())
        .await
        .unwrap();
    assert_eq!(client.era(), Era::Modern);
    exercise(&server, &client).await;
}
