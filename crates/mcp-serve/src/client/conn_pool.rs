//! Kept-alive HTTP/1.1 connections driven by the task that sends on them.
//!
//! reqwest runs each connection in a task of its own, so every request
//! crosses tasks, and often worker threads, on the way out and again with
//! its answer. A gateway pays that on every proxied call, on top of its own
//! work. Here the task that sends a request polls the connection itself while
//! it waits for the answer and reads the body, then puts the connection back
//! for the next request: one task, no hand-offs.
//!
//! Plain `http://` POSTs only. A response that is an event stream may last
//! long after the request: its connection gets a task of its own, as with
//! reqwest. HTTPS, URLs with credentials, GET streams, DELETE, redirects
//! and HTTP proxies stay on reqwest.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Mutex;
use std::task::Context;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use reqwest::Url;
use tokio::net::TcpStream;

use super::lock;
use crate::wake_gate::WakeGate;

/// Idle connections kept per server; more are closed when they come back.
/// As many as a busy gateway has calls in flight to one target, so load
/// does not turn into connection churn; the server's keep-alive timeout
/// closes the ones a quieter time leaves over (found out on checkout).
const MAX_IDLE: usize = 256;
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Conn = http1::Connection<TokioIo<TcpStream>, Full<Bytes>>;

/// One connection: its request half and the connection future to poll,
/// gone once it has finished (closed).
struct Live {
    tx: http1::SendRequest<Full<Bytes>>,
    conn: Option<Conn>,
}

/// The kept-alive connections to one `http://` origin.
pub(crate) struct ConnPool {
    /// `host:port` to connect to.
    addr: String,
    /// The `Host` header.
    host: HeaderValue,
    /// The URL's path and query, the request target.
    target: Uri,
    idle: Mutex<Vec<Live>>,
}

/// A response: its head, and its body read in full or still streaming.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: ReplyBody,
}

/// A response body.
pub(crate) enum ReplyBody {
    /// Read in full (it was not an event stream).
    Full(Bytes),
    /// An event stream, read by the caller; its connection runs in a task.
    Stream(Incoming),
}

/// Why a request got no response.
#[derive(Debug)]
pub(crate) enum PoolError {
    /// Connecting failed (refused, unresolvable, timed out).
    Connect(std::io::Error),
    /// The connection failed during the exchange.
    Http(hyper::Error),
    /// The body was larger than the limit given.
    TooLarge(usize),
}

impl std::fmt::Display for PoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PoolError::Connect(e) => write!(f, "could not connect: {e}"),
            PoolError::Http(e) => {
                write!(f, "{e}")?;
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    write!(f, ": {s}")?;
                    source = s.source();
                }
                Ok(())
            }
            PoolError::TooLarge(limit) => write!(f, "the response is larger than {limit} bytes"),
        }
    }
}

impl ConnPool {
    /// A pool for `url`'s origin, or `None` when it is not plain `http://`,
    /// carries credentials (`user:pass@`) or an HTTP proxy is configured:
    /// reqwest honours those.
    pub(crate) fn for_url(url: &Url) -> Option<ConnPool> {
        let proxied = ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|p| !p.is_empty()));
        let credentials = !url.username().is_empty() || url.password().is_some();
        if url.scheme() != "http" || proxied || credentials {
            return None;
        }
        let host = url.host_str()?;
        let port = url.port_or_known_default()?;
        // The authority as it goes on the wire: IPv6 literals keep their brackets.
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        };
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        Some(ConnPool {
            // `host_str` keeps an IPv6 literal's brackets, as a socket address wants.
            addr: format!("{host}:{port}"),
            host: HeaderValue::from_str(&authority).ok()?,
            target: target.parse().ok()?,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// POSTs `body` with `headers` and returns the response; a body that is
    /// not an event stream is read in full, up to `limit` bytes.
    pub(crate) async fn post(
        &self,
        mut headers: HeaderMap,
        body: Bytes,
        limit: usize,
    ) -> Result<Reply, PoolError> {
        headers.insert(header::HOST, self.host.clone());
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = http::Method::POST;
        *req.uri_mut() = self.target.clone();
        *req.headers_mut() = headers;
        let mut req = Some(req);
        // One gate for every future this request drives, one after another.
        let gate = WakeGate::new();
        loop {
            let (mut live, fresh) = self.checkout(&gate).await?;
            let Some(sending) = req.take() else {
                unreachable!("a request is put back before each retry")
            };
            let sent = drive(&gate, &mut live.conn, live.tx.try_send_request(sending)).await;
            match sent {
                Ok(resp) => return self.finish(&gate, live, resp, limit).await,
                Err(mut e) => {
                    // A kept-alive connection closed before the request went
                    // out: nothing was sent, so it goes again on another.
                    let unsent = if fresh { None } else { e.take_message() };
                    match unsent {
                        Some(r) => req = Some(r),
                        None => return Err(PoolError::Http(e.into_error())),
                    }
                }
            }
        }
    }

    /// An idle connection that is still open, else a new one (`true`).
    async fn checkout(&self, gate: &WakeGate) -> Result<(Live, bool), PoolError> {
        loop {
            let Some(mut live) = lock(&self.idle).pop() else {
                return self.connect().await.map(|l| (l, true));
            };
            // A server that closed the connection while it sat idle is
            // found out here: its end of stream is read now.
            if drive(gate, &mut live.conn, live.tx.ready()).await.is_ok() && live.conn.is_some() {
                return Ok((live, false));
            }
        }
    }

    async fn connect(&self) -> Result<Live, PoolError> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.addr))
            .await
            .map_err(|_| {
                PoolError::Connect(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection to {} within {CONNECT_TIMEOUT:?}", self.addr),
                ))
            })?
            .map_err(PoolError::Connect)?;
        // Requests are small and answered at once: Nagle would hold them back.
        stream.set_nodelay(true).map_err(PoolError::Connect)?;
        let (tx, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(PoolError::Http)?;
        Ok(Live { tx, conn: Some(conn) })
    }

    /// Reads the response: an event stream is handed over with its
    /// connection in a task; anything else is read here and the connection
    /// goes back to the pool.
    async fn finish(
        &self,
        gate: &WakeGate,
        mut live: Live,
        resp: http::Response<Incoming>,
        limit: usize,
    ) -> Result<Reply, PoolError> {
        let (parts, mut body) = resp.into_parts();
        let streaming = super::http::is_event_stream(&parts.headers);
        if streaming {
            let Live { tx, conn } = live;
            // Without its sender the connection closes once this response ends.
            drop(tx);
            if let Some(conn) = conn {
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            return Ok(Reply {
                status: parts.status,
                headers: parts.headers,
                body: ReplyBody::Stream(body),
            });
        }
        let mut bytes = Vec::new();
        while let Some(frame) = drive(gate, &mut live.conn, body.frame()).await {
            let Ok(data) = frame.map_err(PoolError::Http)?.into_data() else {
                continue;
            };
            if bytes.len() + data.len() > limit {
                return Err(PoolError::TooLarge(limit));
            }
            bytes.extend_from_slice(&data);
        }
        if live.conn.is_some() {
            let mut idle = lock(&self.idle);
            if idle.len() < MAX_IDLE {
                idle.push(live);
            }
        }
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body: ReplyBody::Full(Bytes::from(bytes)),
        })
    }
}

/// Runs `fut` while polling the connection it needs, in this task. A
/// connection that has finished is dropped: whatever still waits on it
/// (the answer, the body, readiness) then ends with an error rather than
/// waiting forever. The two hand each other the request and the response
/// through channels, so they are polled behind a [`WakeGate`].
async fn drive<F: Future>(gate: &WakeGate, conn: &mut Option<Conn>, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    std::future::poll_fn(|cx: &mut Context<'_>| {
        gate.poll(cx, |cx| {
            // The connection first: it writes the request and reads what
            // answers `fut` in the same pass.
            if conn.as_mut().is_some_and(|c| Pin::new(c).poll(cx).is_ready()) {
                *conn = None;
            }
            fut.as_mut().poll(cx)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// How the test server answers each request on a connection.
    #[derive(Clone, Copy)]
    enum Answer {
        /// JSON, the connection kept alive.
        KeepAlive,
        /// JSON, then the connection closed without saying so (an idle timeout).
        CloseSilently,
        /// JSON with `Connection: close`.
        CloseSaid,
        /// An event stream of one event, then the end.
        Stream,
        /// A body of 1 KiB.
        Large,
    }

    /// A raw HTTP/1.1 server on 127.0.0.1; counts the connections it
    /// accepts, and says on the channel when it has closed one.
    async fn server(answer: Answer) -> (Url, Arc<AtomicUsize>, tokio::sync::mpsc::UnboundedReceiver<()>) {
        let (closed_tx, closed) = tokio::sync::mpsc::unbounded_channel();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = Url::parse(&format!(
            "http://{}/mcp?x=1",
            listener.local_addr().expect("addr")
        ))
        .expect("url");
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let closed_tx = closed_tx.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        // One request: its head, then a body of Content-Length bytes.
                        let head_end = loop {
                            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            let mut chunk = [0u8; 1024];
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
                        assert!(head.starts_with("post /mcp?x=1 http/1.1\r\n"), "{head}");
                        assert!(head.contains("\r\nhost: 127.0.0.1:"), "{head}");
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        while buf.len() < head_end + length {
                            let mut chunk = [0u8; 1024];
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let body = buf[head_end..head_end + length].to_vec();
                        buf.drain(..head_end + length);
                        let reply = match answer {
                            Answer::Stream => format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\ndata: {}\n\n",
                                body.len() + 8,
                                String::from_utf8_lossy(&body)
                            ),
                            Answer::Large => format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1024\r\n\r\n{}",
                                "x".repeat(1024)
                            ),
                            Answer::CloseSaid => format!(
                                "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
                                body.len(),
                                String::from_utf8_lossy(&body)
                            ),
                            Answer::KeepAlive | Answer::CloseSilently => format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
                                body.len(),
                                String::from_utf8_lossy(&body)
                            ),
                        };
                        if socket.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                        if matches!(answer, Answer::CloseSilently | Answer::CloseSaid | Answer::Stream) {
                            drop(socket);
                            let _ = closed_tx.send(());
                            return;
                        }
                    }
                });
            }
        });
        (url, accepted, closed)
    }

    async fn echo(pool: &ConnPool, text: &str) -> Reply {
        pool.post(HeaderMap::new(), Bytes::from(text.to_owned()), 4096)
            .await
            .expect("an answer")
    }

    fn full(reply: &Reply) -> &[u8] {
        match &reply.body {
            ReplyBody::Full(b) => b,
            ReplyBody::Stream(_) => panic!("a stream where a body was expected"),
        }
    }

    #[tokio::test]
    async fn a_kept_alive_connection_serves_request_after_request() {
        let (url, accepted, _) = server(Answer::KeepAlive).await;
        let pool = ConnPool::for_url(&url).expect("plain http");
        for i in 0..5 {
            let reply = echo(&pool, &format!("call {i}")).await;
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(full(&reply), format!("call {i}").as_bytes());
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "one connection for all");
    }

    #[tokio::test]
    async fn concurrent_requests_keep_their_connections_for_the_next_ones() {
        let (url, accepted, _) = server(Answer::KeepAlive).await;
        let pool = ConnPool::for_url(&url).expect("plain http");
        for round in 0..2 {
            let texts: Vec<String> = (0..100).map(|i| format!("round {round} call {i}")).collect();
            let calls = texts.iter().map(|t| echo(&pool, t));
            let replies = futures::future::join_all(calls).await;
            assert!(replies.iter().all(|r| r.status == StatusCode::OK));
        }
        // The second round found every connection of the first one idle.
        assert_eq!(accepted.load(Ordering::SeqCst), 100);
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_is_replaced() {
        for answer in [Answer::CloseSilently, Answer::CloseSaid] {
            let (url, accepted, mut closed) = server(answer).await;
            let pool = ConnPool::for_url(&url).expect("plain http");
            for i in 0..3 {
                assert_eq!(
                    full(&echo(&pool, &format!("call {i}")).await),
                    format!("call {i}").as_bytes()
                );
                // The server has closed it before the next request goes.
                closed.recv().await.expect("the server closes");
            }
            assert_eq!(accepted.load(Ordering::SeqCst), 3, "a new connection each time");
        }
    }

    #[tokio::test]
    async fn an_event_stream_is_handed_over_with_its_connection() {
        let (url, accepted, _) = server(Answer::Stream).await;
        let pool = ConnPool::for_url(&url).expect("plain http");
        for _ in 0..2 {
            let reply = echo(&pool, "hello").await;
            let ReplyBody::Stream(body) = reply.body else {
                panic!("an event stream is not read by the pool");
            };
            let bytes = body.collect().await.expect("the stream's body").to_bytes();
            assert_eq!(&bytes[..], b"data: hello\n\n");
        }
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            2,
            "a stream's connection is not reused"
        );
    }

    #[tokio::test]
    async fn bodies_over_the_limit_and_refused_connections_are_errors() {
        let (url, _, _) = server(Answer::Large).await;
        let pool = ConnPool::for_url(&url).expect("plain http");
        let e = pool
            .post(HeaderMap::new(), Bytes::new(), 100)
            .await
            .err()
            .expect("too large");
        assert!(matches!(e, PoolError::TooLarge(100)), "{e}");

        let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = Url::parse(&format!("http://{}/mcp", closed.local_addr().expect("addr"))).expect("url");
        drop(closed);
        let pool = ConnPool::for_url(&url).expect("plain http");
        let e = pool
            .post(HeaderMap::new(), Bytes::new(), 100)
            .await
            .err()
            .expect("refused");
        assert!(
            matches!(&e, PoolError::Connect(io) if io.kind() == std::io::ErrorKind::ConnectionRefused),
            "{e}"
        );
    }

    #[test]
    fn only_plain_http_is_pooled() {
        let https = Url::parse("https://example.com/mcp").expect("url");
        assert!(ConnPool::for_url(&https).is_none());
        let basic = Url::parse("http://user:secret@example.com/mcp").expect("url");
        assert!(
            ConnPool::for_url(&basic).is_none(),
            "reqwest sends the credentials"
        );
        let v6 = ConnPool::for_url(&Url::parse("http://[::1]:8080/mcp").expect("url")).expect("http");
        assert_eq!(v6.addr, "[::1]:8080");
        assert_eq!(v6.host, "[::1]:8080");
        let default_port =
            ConnPool::for_url(&Url::parse("http://localhost/mcp").expect("url")).expect("http");
        assert_eq!(default_port.addr, "localhost:80");
        assert_eq!(default_port.host, "localhost");
    }
}
