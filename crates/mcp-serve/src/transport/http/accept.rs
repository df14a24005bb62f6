//! The listener: accepting connections under the caps (globally and per
//! peer address), each connection's header-read and keep-alive idle
//! timeouts, and the shutdown sequence.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::McpBody;
use super::service::McpService;
use crate::transport::TransportError;
use crate::wake_gate::WakeGate;

/// What one connection is doing, shared by its socket, its requests and
/// its watchdog. Only atomics: the request path never wakes the watchdog,
/// which re-reads this often enough to catch every deadline exactly.
struct Activity {
    epoch: Instant,
    /// Requests whose responses are not done yet.
    in_flight: AtomicUsize,
    /// When the bytes of a request head began arriving (ms since `epoch`,
    /// plus one; 0: none pending).
    head_since: AtomicU64,
    /// When the last response finished (ms since `epoch`).
    last_done: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            epoch: Instant::now(),
            in_flight: AtomicUsize::new(0),
            // A new connection owes its first request head at once.
            head_since: AtomicU64::new(1),
            last_done: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn at(&self, ms: u64) -> Instant {
        self.epoch + Duration::from_millis(ms)
    }

    /// Bytes arrived: with no request in flight, they start a request head.
    fn bytes_read(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0 && self.head_since.load(Ordering::Acquire) == 0 {
            self.head_since.store(self.now_ms() + 1, Ordering::Release);
        }
    }

    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(0, Ordering::Release);
    }

    fn request_done(&self) {
        self.last_done.store(self.now_ms(), Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// What should happen next, and when.
    fn next(&self, header_timeout: Duration, idle: Duration) -> Option<(Instant, Verdict)> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        match self.head_since.load(Ordering::Acquire) {
            0 => Some((
                self.at(self.last_done.load(Ordering::Acquire)) + idle,
                Verdict::Idle,
            )),
            since => Some((self.at(since - 1) + header_timeout, Verdict::SlowHeader)),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// No request for the keep-alive idle time: close gracefully.
    Idle,
    /// A request head did not arrive in time: drop the connection.
    SlowHeader,
}

/// A socket that reports reads to its connection's [`Activity`].
struct Watched<T> {
    io: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let out = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(out, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        out
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

impl super::body::OnDone for Activity {
    fn done(&self) {
        self.request_done();
    }
}

/// Connections per peer address.
#[derive(Default)]
struct Peers(Mutex<HashMap<IpAddr, usize>>);

/// A connection's place in its peer's count; released on drop.
struct PeerSlot(Arc<Peers>, IpAddr);

impl Peers {
    fn enter(self: &Arc<Self>, ip: IpAddr, cap: Option<usize>) -> Option<PeerSlot> {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(ip).or_insert(0);
        if cap.is_some_and(|cap| *n >= cap) {
            return None;
        }
        *n += 1;
        Some(PeerSlot(Arc::clone(self), ip))
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut map = (self.0)
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.1);
            }
        }
    }
}

/// Serves on an already bound listener (e.g. port 0 in tests) until
/// `shutdown` resolves, then shuts down in order: readiness goes down and
/// the listener closes; long-lived streams end at once (legacy streams with
/// `retry:`, `subscriptions/listen` with its completion result); calls in
/// flight get [`HttpOptions::shutdown_grace`](super::HttpOptions::shutdown_grace)
/// to finish.
///
/// A listener bound beyond loopback needs a `Host` policy
/// ([`HttpOptions::allowed_hosts`](super::HttpOptions::allowed_hosts) or
/// [`ALLOWED_HOSTS_ENV`](super::ALLOWED_HOSTS_ENV)): without one this
/// refuses to start, saying so.
///
/// ```no_run
/// use mcp_serve::prelude::*;
/// use mcp_serve::transport::http::{HttpOptions, serve_listener};
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let handle = Server::new("demo", "1.0.0").into_handle()?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// serve_listener(&handle, listener, HttpOptions::default(), async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// A listener bound beyond loopback with no `Host` policy.
pub async fn serve_listener(
    handle: &crate::engine::ServerHandle,
    listener: tokio::net::TcpListener,
    options: super::HttpOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), TransportError> {
    let options = options.with_env();
    if let Some(problem) = options.env_problem() {
        return Err(TransportError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            problem.to_owned(),
        )));
    }
    #[cfg(feature = "tls")]
    let tls = match &options.tls {
        Some(files) => {
            Some(super::TlsTermination::load(files.clone()).map_err(super::TlsError::into_transport)?)
        }
        None => None,
    };
    if let Ok(addr) = listener.local_addr() {
        if !addr.ip().is_loopback() && !options.hosts_chosen() {
            return Err(TransportError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "refusing to serve on {addr} without a Host policy: beyond loopback, a server must \
                     know the host names clients use (DNS rebinding protection). Set {}=mcp.example.com \
                     (comma-separated; * for any, e.g. behind a proxy that checks Host), or \
                     HttpOptions::allowed_hosts([...]) / HttpOptions::allow_any_host()",
                    super::ALLOWED_HOSTS_ENV
                ),
            )));
        }
        let scheme = if options.serves_tls() { "https" } else { "http" };
        tracing::info!("serving MCP at {scheme}://{addr}/mcp (legacy HTTP+SSE at /sse)");
    }
    let per_peer = options.max_connections_per_peer;
    let grace = options.shutdown_grace;
    let max = u32::try_from(options.max_connections).unwrap_or(u32::MAX);
    let service = McpService::new(handle, options).at_root();
    let slots = Arc::new(Semaphore::new(max as usize));
    let peers = Arc::new(Peers::default());
    #[cfg(feature = "tls")]
    if let Some(tls) = &tls {
        tls.watch();
    }
    tokio::pin!(shutdown);
    loop {
        // At the cap, further clients wait in the backlog.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(peer_slot) = peers.enter(peer.ip(), per_peer) else {
            tracing::debug!(peer = %peer.ip(), "too many connections from one address: closed");
            continue;
        };
        // Small JSON responses must not wait for Nagle.
        let _ = stream.set_nodelay(true);
        #[cfg(feature = "tls")]
        let conn = match &tls {
            Some(tls) => futures::future::Either::Left(service.serve_tls_connection_from(stream, peer, tls)),
            None => futures::future::Either::Right(service.serve_connection_from(stream, peer)),
        };
        #[cfg(not(feature = "tls"))]
        let conn = service.serve_connection_from(stream, peer);
        tokio::spawn(async move {
            conn.await;
            drop((slot, peer_slot));
        });
    }
    // Readiness down, long-lived streams ended, idle connections closed and
    // busy ones closing after their calls, before anything waits.
    drop(listener);
    service.drain();
    let deadline = tokio::time::Instant::now() + grace;
    // Every connection holds a slot: all slots back means all closed.
    let _ = tokio::time::timeout_at(deadline, slots.acquire_many(max)).await;
    // Handlers whose clients went elsewhere (to resume from a shared event
    // store) finish writing their streams there.
    service.handlers_done(deadline).await;
    Ok(())
}

/// The per-connection limits.
#[derive(Clone, Copy)]
pub(super) struct Limits {
    pub(super) header_timeout: Duration,
    pub(super) idle: Duration,
}

impl McpService {
    /// Serves one connection (HTTP/1.1 or HTTP/2) on `io`, under the
    /// per-connection limits of its [`HttpOptions`](super::HttpOptions): a
    /// request head must arrive within `header_read_timeout` (from the
    /// connection's start, or from its first byte after a response), and a
    /// connection with no request in flight closes after `keep_alive_idle`.
    /// It closes gracefully once [`McpService::drain`] is called. For
    /// listeners of your own (TLS, Unix sockets); [`serve_listener`] uses it
    /// for TCP.
    ///
    /// ```no_run
    /// use mcp_serve::prelude::*;
    /// # #[tokio::main] async fn main() -> anyhow::Result<()> {
    /// let handle = Server::new("demo", "1.0.0").into_handle()?;
    /// let service = handle.http_service(Default::default());
    /// let listener = tokio::net::UnixListener::bind("/tmp/mcp.sock")?;
    /// loop {
    ///     let (stream, _) = listener.accept().await?;
    ///     tokio::spawn(service.serve_connection(stream));
    /// }
    /// # }
    /// ```
    pub fn serve_connection<I>(&self, io: I) -> impl Future<Output = ()> + Send + 'static
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        self.serve_from(io, None)
    }

    /// [`McpService::serve_connection`] for a connection from `peer`: its
    /// requests carry [`PeerAddr`](super::PeerAddr) (rate limits count by
    /// it when a caller has no credential).
    ///
    /// ```no_run
    /// # #[tokio::main] async fn main() -> anyhow::Result<()> {
    /// let handle = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle()?;
    /// let service = handle.http_service(Default::default());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
    /// loop {
    ///     let (stream, peer) = listener.accept().await?;
    ///     tokio::spawn(service.serve_connection_from(stream, peer));
    /// }
    /// # }
    /// ```
    pub fn serve_connection_from<I>(
        &self,
        io: I,
        peer: std::net::SocketAddr,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        self.serve_from(io, Some(peer))
    }

    fn serve_from<I>(
        &self,
        io: I,
        peer: Option<std::net::SocketAddr>,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let limits = self.limits();
        let stop = self.drain_token();
        let activity = Arc::new(Activity::new());
        let svc = self.clone();
        let seen = Arc::clone(&activity);
        let hyper_svc = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            let mut svc = svc.clone();
            if let Some(peer) = peer {
                req.extensions_mut().insert(super::PeerAddr(peer));
            }
            seen.request_started();
            let done: Arc<dyn super::body::OnDone> = Arc::clone(&seen) as _;
            async move {
                let mut r = tower_service::Service::call(&mut svc, req).await?;
                // Until the body is done, streams included: a connection
                // carrying a stream is not idle.
                r.body_mut().on_done(done);
                Ok::<Response<McpBody>, Infallible>(r)
            }
        });
        let io = hyper_util::rt::TokioIo::new(Watched {
            io,
            activity: Arc::clone(&activity),
        });
        let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
        let conn = builder.serve_connection_with_upgrades(io, hyper_svc).into_owned();
        // Every deadline is at least this far from the moment it appears
        // (a head starting, a response finishing), so a watchdog that
        // re-reads the activity this often wakes in time to sleep until the
        // exact deadline.
        let period = limits
            .header_timeout
            .min(limits.idle)
            .max(Duration::from_millis(1));
        async move {
            tokio::pin!(conn);
            // A request's parts hand each other its body, its answer and
            // its events within this task: behind a gate, those hand-offs
            // do not wake the task while it runs (see `WakeGate`).
            let gate = WakeGate::new();
            let mut closing = false;
            loop {
                // Once closing, only a stalled request head still matters.
                let next = activity
                    .next(limits.header_timeout, limits.idle)
                    .filter(|(_, v)| !closing || *v == Verdict::SlowHeader);
                let recheck = Instant::now() + period;
                let wake = next.map_or(recheck, |(at, _)| at.min(recheck));
                tokio::select! {
                    _ = std::future::poll_fn(|cx| gate.poll(cx, |cx| conn.as_mut().poll(cx))) => break,
                    () = stop.cancelled(), if !closing => {
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                    () = tokio::time::sleep_until(wake) => {
                        // Only what still holds at the deadline counts.
                        match activity.next(limits.header_timeout, limits.idle) {
                            Some((at, Verdict::SlowHeader)) if at <= Instant::now() => {
                                tracing::debug!("a request head took too long: connection dropped");
                                break;
                            }
                            Some((at, Verdict::Idle)) if at <= Instant::now() && !closing => {
                                conn.as_mut().graceful_shutdown();
                                closing = true;
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}
