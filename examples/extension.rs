//! A small custom extension end to end: the server declares
//! `com.example/notes` (advertised in `capabilities.extensions`), adds two
//! methods and a notification, and audits every request with a middleware;
//! our client, speaking each protocol era in turn over Streamable HTTP,
//! declares the extension, finds it advertised, calls its methods and sends
//! its notification.
//!
//! ```text
//! cargo run --example extension
//! ```

use std::sync::{Arc, Mutex};

use mcp_serve::client::{Client, ClientOptions, Era};
use mcp_serve::extension::Extension;
use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
use mcp_serve::prelude::*;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use serde_json::json;

const NOTES: &str = "com.example/notes";

#[derive(serde::Deserialize)]
struct Add {
    text: String,
}

#[derive(serde::Deserialize)]
struct Pinned {
    index: usize,
}

/// Logs each request's method and who made it.
struct Audit;

impl Middleware for Audit {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let client = req
            .context()
            .client_info()
            .map(|c| c.name.clone())
            .unwrap_or_default();
        println!("  [audit] {} from {client:?}", req.method());
        next.run(req).await
    }
}

fn notes_extension(notes: Arc<Mutex<Vec<String>>>) -> Extension {
    let (add, list, pin) = (Arc::clone(&notes), Arc::clone(&notes), notes);
    Extension::new(NOTES)
        .settings(json!({ "maxNotes": 100 }))
        // Only clients that say they speak it may use it.
        .require_client_support()
        .method("notes/add", move |p: Add, cx: Context| {
            let notes = Arc::clone(&add);
            async move {
                let shout = cx
                    .client_extension(NOTES)
                    .and_then(|s| s.get("uppercase"))
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false);
                let text = if shout { p.text.to_uppercase() } else { p.text };
                let mut notes = notes.lock().unwrap();
                notes.push(text);
                Ok(json!({ "count": notes.len() }))
            }
        })
        .method("notes/list", move |_: serde_json::Value, _cx: Context| {
            let notes = Arc::clone(&list);
            async move { Ok(json!({ "notes": *notes.lock().unwrap() })) }
        })
        .notification("notifications/notes/pinned", move |p: Pinned, _cx: Context| {
            let notes = Arc::clone(&pin);
            async move {
                if let Some(n) = notes.lock().unwrap().get(p.index) {
                    println!("  [server] pinned: {n}");
                }
            }
        })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let notes = Arc::new(Mutex::new(Vec::new()));
    let handle = Server::new("notes", "1.0.0")
        .middleware(Audit)
        .extension(notes_extension(notes))
        .into_handle()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/mcp", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve_listener(&handle, listener, HttpOptions::default(), async {
            let _ = stopped.await;
        })
        .await
    });

    for (era, uppercase) in [
        (Era::Modern, false),
        (Era::Legacy(ProtocolVersion::LATEST_LEGACY), true),
    ] {
        println!("{era:?} client:");
        let mut options = ClientOptions {
            era,
            ..Default::default()
        };
        let mut declared = serde_json::Map::new();
        declared.insert(NOTES.into(), json!({ "uppercase": uppercase }));
        options.capabilities.extensions = Some(declared);
        let client = Client::connect_http(&url, options).await?;
        let advertised = client
            .server_capabilities()
            .and_then(|c| c.extensions)
            .and_then(|e| e.get(NOTES).cloned());
        println!("  the server offers {NOTES}: {advertised:?}");
        let added = client
            .request_raw("notes/add", Some(json!({ "text": "buy milk" })))
            .await?;
        println!("  notes/add -> {}", added["count"]);
        client
            .notify("notifications/notes/pinned", Some(json!({ "index": 0 })))
            .await?;
        let listed = client.request_raw("notes/list", None).await?;
        println!("  notes/list -> {}", listed["notes"]);
    }

    let _ = stop.send(());
    server.await??;
    Ok(())
}
