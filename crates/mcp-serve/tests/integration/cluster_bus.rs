//! The cluster bus: list changes and resource updates made on one replica
//! reach the clients of the others (separate engines, as separate processes
//! would be), through `LocalBus` and through Redis pub/sub.

use std::sync::Arc;
use std::time::Duration;

use mcp_serve::client::{ClientOptions, Era, Subscription};
use mcp_serve::engine::{Bus, LocalBus};
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::SubscriptionFilter;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::server::ServerHandle;
use mcp_serve::testing::TestClient;

/// The app's configuration.
#[resource("config://app")]
fn config() -> &'static str {
    "debug=true"
}

fn replica() -> ServerHandle {
    Server::new("r", "1.0.0").resource(config).into_handle().unwrap()
}

async fn listening(server: &ServerHandle, era: Era) -> (TestClient, Subscription) {
    let client = TestClient::connect(
        server,
        ClientOptions {
            era,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let filter = SubscriptionFilter::default()
        .tools_changes()
        .resource("config://app");
    let sub = tokio::time::timeout(Duration::from_secs(10), client.listen(filter))
        .await
        .expect("listen answers")
        .unwrap();
    (client, sub)
}

async fn next(sub: &mut Subscription) -> Option<(String, Option<serde_json::Value>)> {
    let n = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .ok()??;
    Some((n.method, n.params.and_then(|p| p.get("uri").cloned())))
}

/// Changes on `a` reach `b`'s listeners in both eras, once; `a`'s own
/// listeners hear them once too (not echoed back by the bus).
async fn exercise(bus: Arc<dyn Bus>) {
    let (a, b) = (replica(), replica());
    assert!(a.join_bus(Arc::clone(&bus)));
    assert!(b.join_bus(bus));
    assert!(!b.join_bus(Arc::new(LocalBus::default())), "one bus per server");
    // A real broker takes a moment to have the subscriptions in place (what
    // is published before is lost, as pub/sub goes); not a timing assertion.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for era in [Era::Modern, Era::Legacy(ProtocolVersion::V2025_11_25)] {
        let (_cb, mut on_b) = listening(&b, era).await;
        let (_ca, mut on_a) = listening(&a, era).await;
        a.notify_resource_updated("config://app");
        a.notify_resource_updated("config://other");
        a.add_tool(
            mcp_serve::tool::Tool::new("late").raw_handler(|_, _| async { Ok(CallToolResult::text("hi")) }),
        )
        .unwrap();
        for (sub, who) in [(&mut on_b, "b"), (&mut on_a, "a")] {
            let first = next(sub).await;
            assert_eq!(
                first,
                Some((
                    "notifications/resources/updated".to_owned(),
                    Some(serde_json::json!("config://app"))
                )),
                "{who} {era:?}"
            );
            let second = next(sub).await;
            assert_eq!(
                second.map(|s| s.0),
                Some("notifications/tools/list_changed".to_owned()),
                "{who} {era:?}: the unsubscribed resource is not sent, the list change is"
            );
        }
        // Nothing more: no echo of a's own changes.
        let extra = tokio::time::timeout(Duration::from_millis(300), on_a.next()).await;
        assert!(extra.is_err(), "{era:?}: a heard its change twice: {extra:?}");
        assert!(a.remove_tool("late"));
        let _ = next(&mut on_a).await;
        let _ = next(&mut on_b).await;
    }
}

#[tokio::test]
async fn changes_reach_every_replica_through_a_local_bus() {
    exercise(Arc::new(LocalBus::default())).await;
}

#[cfg(feature = "redis")]
mod with_redis {
    use std::sync::Arc;
    use std::time::Duration;

    use mcp_serve::client::Era;
    use mcp_serve::cluster::Redis;

    use super::super::replicas::redis::RedisServer;
    use super::{exercise, listening, replica};

    #[tokio::test]
    async fn changes_reach_every_replica_through_redis() {
        let server = RedisServer::start().await;
        let redis = Redis::connect(&server.url()).unwrap().prefix("bus-a:");
        exercise(Arc::new(redis.bus())).await;
    }

    #[tokio::test]
    async fn the_bus_subscribes_again_after_redis_restarts() {
        let mut server = RedisServer::start().await;
        let port = server.port;
        let redis = Redis::connect(&server.url()).unwrap().prefix("bus-b:");
        let (a, b) = (replica(), replica());
        a.join_bus(Arc::new(redis.bus()));
        b.join_bus(Arc::new(redis.bus()));
        let (_c, mut on_b) = listening(&b, Era::Modern).await;
        server.stop();
        let _server = RedisServer::start_on(port).await;
        // Resubscription takes a moment (backoff from 100 ms): publish until
        // one arrives, a bounded number of times.
        let mut heard = None;
        for _ in 0..40 {
            a.notify_resource_updated("config://app");
            if let Ok(Some(n)) = tokio::time::timeout(Duration::from_millis(250), on_b.next()).await {
                heard = Some(n.method);
                break;
            }
        }
        assert_eq!(heard.as_deref(), Some("notifications/resources/updated"));
    }
}
