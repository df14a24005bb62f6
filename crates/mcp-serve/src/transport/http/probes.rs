//! The liveness and readiness probes: `/healthz` answers 200 while the
//! process serves; `/readyz` answers 503 while the server drains or its task
//! store (or shared session or event store) is unreachable. Both skip the Host check (platform probes use the
//! pod's address) and the request cap.

use std::time::Duration;

use http::{Response, StatusCode};

use super::McpBody;
use super::service::Shared;

/// How long a store may take to answer the readiness probe.
const STORE_CHECK: Duration = Duration::from_secs(2);

/// Whether a shared store answers, within [`STORE_CHECK`]; what is wrong if not.
async fn reachable(
    what: &str,
    check: impl std::future::Future<Output = Result<(), super::StoreError>>,
) -> Result<(), String> {
    match tokio::time::timeout(STORE_CHECK, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(why)) => Err(format!("the {what} store is unreachable: {why}")),
        Err(_) => Err(format!("the {what} store did not answer within 2 s")),
    }
}

/// A plain-text answer: what probes and the people reading them expect.
fn text(status: StatusCode, body: &str) -> Response<McpBody> {
    let mut r = Response::new(McpBody::full(body.to_owned()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    r
}

/// The probe's answer, when `path` is a probe's.
pub(super) async fn answer(shared: &Shared, path: &str) -> Option<Response<McpBody>> {
    let options = &shared.options;
    if options.health_path.as_deref() == Some(path) {
        return Some(text(StatusCode::OK, "ok"));
    }
    if options.ready_path.as_deref() != Some(path) {
        return None;
    }
    if shared.draining.is_cancelled() {
        return Some(text(StatusCode::SERVICE_UNAVAILABLE, "draining: shutting down"));
    }
    // Side by side: a slow store costs the probe one timeout, not one each.
    let sessions = async {
        match &options.session_store {
            Some(store) => reachable("session", store.check()).await,
            None => Ok(()),
        }
    };
    let events = async {
        if shared.streams.store.is_shared() {
            reachable("event", shared.streams.store.check()).await
        } else {
            Ok(())
        }
    };
    let (sessions, events) = tokio::join!(sessions, events);
    if let Err(why) = sessions.and(events) {
        return Some(text(StatusCode::SERVICE_UNAVAILABLE, &why));
    }
    Some(
        match tokio::time::timeout(STORE_CHECK, shared.server.ready()).await {
            Ok(Ok(())) => text(StatusCode::OK, "ready"),
            Ok(Err(why)) => text(StatusCode::SERVICE_UNAVAILABLE, &why),
            Err(_) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                "the task store did not answer within 2 s",
            ),
        },
    )
}
