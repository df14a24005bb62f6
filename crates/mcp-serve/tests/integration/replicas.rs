//! What the tests of replicas share (`shared_sessions`, `shared_events`,
//! `bus_routing`, and the Redis halves of `shared_tasks` and `cluster_bus`):
//! a replica served on 127.0.0.1, a request in a legacy session, the start
//! of a legacy session, and a real `redis-server`.

use mcp_serve::server::ServerHandle;
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use super::http::{BOTH, LEGACY, client, send};

/// A server answering HTTP on 127.0.0.1 until `stop` is dropped or sent.
pub(super) struct Served {
    pub(super) url: String,
    pub(super) stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Ends once the server has stopped (drained).
    pub(super) served: tokio::task::JoinHandle<()>,
}

/// Serves `handle` with `options` on a free port of 127.0.0.1.
pub(super) async fn serve(handle: &ServerHandle, options: HttpOptions) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let h = handle.clone();
    let served = tokio::spawn(async move {
        serve_listener(&h, listener, options, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Served {
        url,
        stop: Some(tx),
        served,
    }
}

/// A POST of `body` in the legacy session `sid`.
pub(super) fn in_session(url: &str, sid: &str, body: &Value) -> reqwest::RequestBuilder {
    client()
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header("accept", BOTH)
        .header("mcp-session-id", sid)
        .header("mcp-protocol-version", LEGACY)
        .json(body)
}

/// Sends the `initialize` request `init` to `url`: the new session's id.
pub(super) async fn initialize_with(url: &str, init: &Value) -> String {
    let resp = send(
        client()
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .json(init),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.headers()["mcp-session-id"].to_str().unwrap().to_owned()
}

/// A `redis-server` on 127.0.0.1 (Debian's; `scripts/test.sh` installs it).
#[cfg(feature = "redis")]
pub(super) mod redis {
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use mcp_serve::cluster::Redis;

    /// A `redis-server` child, killed on drop.
    pub(crate) struct RedisServer {
        child: Child,
        pub(crate) port: u16,
    }

    impl RedisServer {
        pub(crate) async fn start_on(port: u16) -> RedisServer {
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server must be installed (Debian: apt-get install redis-server; scripts/test.sh does it)");
            let server = RedisServer { child, port };
            let redis = Redis::connect(&server.url()).unwrap();
            for _ in 0..100 {
                if redis.ping().await.is_ok() {
                    return server;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("redis-server did not answer on port {port} within 5 s");
        }

        pub(crate) async fn start() -> RedisServer {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            RedisServer::start_on(port).await
        }

        pub(crate) fn url(&self) -> String {
            format!("redis://127.0.0.1:{}/", self.port)
        }

        pub(crate) fn stop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Drop for RedisServer {
        fn drop(&mut self) {
            self.stop();
        }
    }
}
