//! The RPC core: a call out, its answer back. Request ids, the pending map
//! responses are correlated through, progress tokens, per-request timeouts
//! and cancellation (told to the server the way its transport wants), the
//! retries the spec prescribes (our revision after all, changed tool
//! headers, an expired session) and multi round-trip `inputRequests`.
//! Separate because it is the one place that waits on the server: the typed
//! API and the handshake both go through it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::{Notification, Request, RequestId, Response};
use mcp_serve_core::version::ProtocolVersion;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::connect::supported;
use super::http::{Head, Outgoing, Posted};
use super::{Client, ClientError, Direction, Era, Inner, Link, RequestOptions, lock};
use crate::transport::TransportError;

/// One round trip's limits.
pub(super) struct Round<'a> {
    pub(super) timeout: Duration,
    pub(super) cancel: Option<&'a CancellationToken>,
    pub(super) progress: Option<&'a Value>,
    /// Give up silently on timeout (probes and handshakes: nothing to cancel).
    pub(super) quiet: bool,
}

impl Client {
    /// Sends a notification.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions, Era};
    /// use mcp_serve::protocol::version::ProtocolVersion;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let options = ClientOptions::default().era(Era::Legacy(ProtocolVersion::V2025_11_25));
    /// let client = Client::connect_in_memory(&server, options).await?;
    /// client.notify("notifications/roots/list_changed", None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the connection is closed or the server refuses it.
    pub async fn notify(&self, method: &str, params: Option<Value>) -> Result<(), ClientError> {
        let head = self
            .inner
            .head(Some(method), params.as_ref().unwrap_or(&Value::Null));
        let bytes = serde_json::to_vec(&Notification::new(method, params)).unwrap_or_default();
        self.inner.send(bytes, None, head).await.map(|_| ())
    }

    /// Sends a request with `params` (the era's `_meta` is added) and returns
    /// the raw result. Multi round-trip requests are followed: the server's
    /// input requests go to [`ClientOptions::on_input`] and the request is
    /// sent again with the answers.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tool] fn hello() -> &'static str { "hi" }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").tool(hello).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let v = client.request_raw("tools/list", None).await?;
    /// assert_eq!(v["tools"][0]["name"], "hello");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A JSON-RPC error, a timeout, or a closed transport.
    ///
    /// [`ClientOptions::on_input`]: super::ClientOptions::on_input
    pub async fn request_raw(&self, method: &str, params: Option<Value>) -> Result<Value, ClientError> {
        self.request_with(method, params, RequestOptions::default()).await
    }

    /// Like [`Client::request_raw`], with a timeout, a progress callback or a
    /// cancellation token of its own (see [`RequestOptions`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientError, ClientOptions, RequestOptions};
    /// use tokio_util::sync::CancellationToken;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// /// Waits to be cancelled.
    /// #[tool]
    /// async fn wait(ctx: Context) -> &'static str { ctx.cancelled().await; "stopped" }
    ///
    /// let server = Server::new("s", "1").tool(wait).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let stop = CancellationToken::new();
    /// let call = client.request_with(
    ///     "tools/call",
    ///     Some(serde_json::json!({"name": "wait", "arguments": {}})),
    ///     RequestOptions::default().cancel(stop.clone()).timeout(Duration::from_secs(5)),
    /// );
    /// stop.cancel();
    /// assert!(matches!(call.await, Err(ClientError::Cancelled)));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A JSON-RPC error, a timeout, [`ClientError::Cancelled`], or a closed transport.
    pub async fn request_with(
        &self,
        method: &str,
        params: Option<Value>,
        options: RequestOptions,
    ) -> Result<Value, ClientError> {
        let token = options.on_progress.map(|callback| {
            let n = self.inner.next_token.fetch_add(1, Ordering::Relaxed);
            let token = json!(format!("mcp-serve-{n}"));
            lock(&self.inner.progress).insert(token.to_string(), callback);
            token
        });
        let _forget = token.as_ref().map(|t| ProgressGuard(&self.inner, t.to_string()));
        let round = self.round(options.timeout, options.cancel.as_ref(), token.as_ref());
        let result = self.multi_round(method, params, &round).await?;
        Ok(if method == "tools/list" {
            self.inner.screen_tools(result)
        } else {
            result
        })
    }

    fn round<'a>(
        &self,
        timeout: Option<Duration>,
        cancel: Option<&'a CancellationToken>,
        progress: Option<&'a Value>,
    ) -> Round<'a> {
        Round {
            timeout: timeout.unwrap_or(self.inner.options.timeout),
            cancel,
            progress,
            quiet: false,
        }
    }

    /// Multi round-trip requests: answer the server's input requests and retry.
    async fn multi_round(
        &self,
        method: &str,
        params: Option<Value>,
        round: &Round<'_>,
    ) -> Result<Value, ClientError> {
        let mut params = params;
        for _round in 0..16 {
            let result = self.request_retrying(method, params.clone(), round).await?;
            if result.get("resultType").and_then(Value::as_str) != Some("input_required")
                || !self.inner.answers_input()
            {
                return Ok(result);
            }
            let mut responses = Map::new();
            if let Some(Value::Object(requests)) = result.get("inputRequests") {
                for (key, request) in requests {
                    let m = request["method"].as_str().unwrap_or_default().to_owned();
                    let asked = self
                        .inner
                        .input(m, request.get("params").cloned().unwrap_or(Value::Null));
                    let answer = match round.cancel {
                        Some(c) => tokio::select! {
                            a = asked => a,
                            () = c.cancelled() => return Err(ClientError::Cancelled),
                        },
                        None => asked.await,
                    };
                    responses.insert(key.clone(), answer.map_err(ClientError::Rpc)?);
                }
            }
            let mut next = match params.take() {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            };
            next.insert("inputResponses".into(), Value::Object(responses));
            // The state is echoed exactly, and only when the server sent one.
            match result.get("requestState") {
                Some(state) => next.insert("requestState".into(), state.clone()),
                None => next.remove("requestState"),
            };
            params = Some(Value::Object(next));
        }
        Err(ClientError::Protocol(format!(
            "the server kept asking for input on `{method}` (16 rounds); giving up"
        )))
    }

    /// One request, retried once where the spec says a retry fixes it.
    pub(super) async fn request_retrying(
        &self,
        method: &str,
        params: Option<Value>,
        round: &Round<'_>,
    ) -> Result<Value, ClientError> {
        let (mut version, mut headers, mut session) = (true, true, true);
        loop {
            match self.request_once(method, params.clone(), round).await {
                // Our revision is on the server's list after all: once more.
                Err(ClientError::Rpc(e))
                    if version
                        && e.code == code::UNSUPPORTED_PROTOCOL_VERSION
                        && self.era() == Era::Modern
                        && supported(&e)
                            .iter()
                            .any(|v| v == ProtocolVersion::LATEST.as_str()) =>
                {
                    version = false;
                }
                // The tool's x-mcp-header annotations changed: list again, then retry.
                Err(ClientError::Rpc(e))
                    if headers
                        && e.code == code::HEADER_MISMATCH
                        && method == "tools/call"
                        && self.inner.streamable_modern() =>
                {
                    headers = false;
                    let relist = Round {
                        progress: None,
                        ..*round
                    };
                    self.relist_tools(&relist).await;
                }
                // The legacy session expired: the spec says start a new one.
                Err(ClientError::Http { status: 404, .. })
                    if session
                        && matches!(&self.inner.link, Link::Http(l) if l.take_expired())
                        && method != "initialize" =>
                {
                    session = false;
                    let Era::Legacy(v) = self.era() else {
                        return Err(TransportError::Closed.into());
                    };
                    self.initialize(v).await?;
                }
                other => return other,
            }
        }
    }

    pub(super) async fn request_once(
        &self,
        method: &str,
        params: Option<Value>,
        round: &Round<'_>,
    ) -> Result<Value, ClientError> {
        let inner = &self.inner;
        let id = RequestId::Number(inner.next_id.fetch_add(1, Ordering::Relaxed));
        let params = inner.with_meta(params, round.progress);
        let head = inner.head(Some(method), params.as_ref().unwrap_or(&Value::Null));
        let bytes = serde_json::to_vec(&Request::new(id.clone(), method, params)).unwrap_or_default();
        let (tx, rx) = oneshot::channel();
        lock(&inner.pending).insert(id.clone(), tx);
        let mut waiting = Waiting {
            inner,
            id: id.clone(),
            method,
            armed: true,
        };
        let posted = match inner
            .send(bytes, Some((id.clone(), method.to_owned())), head)
            .await
        {
            Ok(p) => p,
            Err(e) => {
                waiting.forget();
                return Err(e);
            }
        };
        let cancelled = async {
            match round.cancel {
                Some(c) => c.cancelled().await,
                None => std::future::pending().await,
            }
        };
        let timeout = tokio::time::sleep(round.timeout);
        let (mut rx, mut posted) = (rx, posted);
        tokio::pin!(cancelled, timeout);
        loop {
            tokio::select! {
                r = &mut rx => {
                    waiting.armed = false;
                    return match r {
                        Ok(Ok(response)) => response.into_result().map_err(ClientError::Rpc),
                        Ok(Err(e)) => Err(e),
                        Err(_) => Err(TransportError::Closed.into()),
                    };
                }
                // Streamable HTTP: the POST runs here, and a JSON answer is
                // taken straight from it.
                p = async { posted.as_mut().expect("guarded").await }, if posted.is_some() => {
                    posted = None;
                    match p {
                        Ok(Some(answer)) => {
                            waiting.armed = false;
                            // Closed first, or dropping its sender wakes this
                            // very task while it runs (see `wake_gate`).
                            rx.close();
                            lock(&inner.pending).remove(&id);
                            return inner.answer_of(answer);
                        }
                        // The answer went to the reader, which hands it to `rx`.
                        Ok(None) => {}
                        Err(e) => {
                            waiting.armed = false;
                            rx.close();
                            lock(&inner.pending).remove(&id);
                            return Err(e);
                        }
                    }
                }
                () = &mut timeout => {
                    if round.quiet {
                        waiting.forget();
                    } else {
                        waiting.cancel("timeout");
                    }
                    return Err(ClientError::Timeout(method.to_owned()));
                }
                () = &mut cancelled => {
                    waiting.cancel("cancelled by the client");
                    return Err(ClientError::Cancelled);
                }
            }
        }
    }

    /// Sends a request and decodes the result.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// use mcp_serve::protocol::types::ListToolsResult;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let tools: ListToolsResult = client.request("tools/list", None).await?;
    /// assert!(tools.tools.is_empty());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`Client::request_raw`]; also when the result does not decode as `T`.
    pub async fn request<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Option<Value>,
    ) -> Result<T, ClientError> {
        let v = self.request_raw(method, params).await?;
        decode(method, v)
    }
}

/// Unregisters a progress callback when its request ends.
struct ProgressGuard<'a>(&'a Inner, String);

impl Drop for ProgressGuard<'_> {
    fn drop(&mut self) {
        lock(&self.0.progress).remove(&self.1);
    }
}

/// A request waiting for its answer. Dropped while still armed (the caller
/// stopped waiting), it cancels the request.
struct Waiting<'a> {
    inner: &'a Arc<Inner>,
    id: RequestId,
    method: &'a str,
    armed: bool,
}

impl Waiting<'_> {
    /// Stops waiting without telling the server (a POST in flight is
    /// dropped with the request's future).
    fn forget(&mut self) {
        self.armed = false;
        lock(&self.inner.pending).remove(&self.id);
    }

    /// Stops waiting and cancels the request on the wire.
    fn cancel(&mut self, reason: &str) {
        self.armed = false;
        lock(&self.inner.pending).remove(&self.id);
        self.inner.cancel_on_wire(&self.id, self.method, reason);
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.cancel("the client stopped waiting");
        }
    }
}

impl Inner {
    /// Sends a message; a Streamable HTTP request comes back as its POST,
    /// for the caller to drive (see `HttpLink::send`).
    pub(super) async fn send(
        &self,
        bytes: Vec<u8>,
        request: Option<(RequestId, String)>,
        head: Head,
    ) -> Result<Option<Posted>, ClientError> {
        if self.closed.load(Ordering::Acquire) || self.reader_ended.load(Ordering::Acquire) {
            return Err(TransportError::Closed.into());
        }
        if let Some(tap) = &self.options.traffic {
            tap(Direction::Sent, &bytes);
        }
        match &self.link {
            Link::Pipe(tx) => tx
                .send(bytes)
                .await
                .map(|()| None)
                .map_err(|_| TransportError::Closed.into()),
            Link::Http(link) => link.send(Outgoing { bytes, request, head }).await,
        }
    }

    /// A JSON answer taken straight from its POST: shown to the traffic tap
    /// as the reader would, then the request's result or error.
    fn answer_of(&self, response: Response) -> Result<Value, ClientError> {
        if let Some(tap) = &self.options.traffic {
            tap(
                Direction::Received,
                &serde_json::to_vec(&response).unwrap_or_default(),
            );
        }
        response.into_result().map_err(ClientError::Rpc)
    }

    /// Tells the server a request is cancelled, the way the transport wants:
    /// `notifications/cancelled` on stdio, legacy sessions and HTTP+SSE;
    /// closing the request's stream on modern HTTP.
    fn cancel_on_wire(self: &Arc<Self>, id: &RequestId, method: &str, reason: &str) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        // A client must not cancel its `initialize`.
        let say = method != "initialize";
        let notice = || {
            serde_json::to_vec(&Notification::new(
                "notifications/cancelled",
                Some(json!({ "requestId": id, "reason": reason })),
            ))
            .unwrap_or_default()
        };
        match &self.link {
            Link::Pipe(tx) if say => {
                let bytes = notice();
                if let Some(tap) = &self.options.traffic {
                    tap(Direction::Sent, &bytes);
                }
                // Not awaited: this runs in Drop too. A full pipe drops the notice.
                let _ = tx.try_send(bytes);
            }
            Link::Pipe(_) => {}
            // A modern request's POST is dropped with its future: that is
            // the cancellation there.
            Link::Http(link) => {
                if say && (link.is_sse() || matches!(self.era(), Era::Legacy(_))) {
                    let bytes = notice();
                    let inner = Arc::clone(self);
                    if let Ok(rt) = tokio::runtime::Handle::try_current() {
                        rt.spawn(async move {
                            let head = inner.head(Some("notifications/cancelled"), &Value::Null);
                            let _ = inner.send(bytes, None, head).await;
                        });
                    }
                }
            }
        }
    }
}

pub(super) fn decode<T: DeserializeOwned>(method: &str, v: Value) -> Result<T, ClientError> {
    serde_json::from_value(v).map_err(|source| ClientError::Decode {
        method: method.to_owned(),
        source,
    })
}
