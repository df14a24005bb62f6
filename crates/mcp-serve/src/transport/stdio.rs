//! The stdio transport: one JSON-RPC message per line on stdin, one per line
//! on stdout, nothing else on stdout.
//!
//! Reading never waits for handlers: each call runs on its own task (up to
//! `max_in_flight` at once, which is the backpressure on a flooding client),
//! while a single writer task owns stdout. Lines longer than
//! `max_message_bytes` are skipped with an error reply instead of being
//! buffered. On end of input the server lets in-flight calls finish (up to
//! `shutdown_grace`) and returns.
//!
//! ```no_run
//! use mcp_serve::prelude::*;
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let handle = Server::new("demo", "1.0.0").into_handle()?;
//! mcp_serve::transport::stdio::serve(&handle, tokio::io::stdin(), tokio::io::stdout(), Default::default()).await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use mcp_serve_core::jsonrpc::{ErrorObject, encode_error};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::TransportError;
use crate::engine::Reply;
use crate::engine::ServerHandle;

/// Limits of the stdio transport.
#[derive(Debug, Clone)]
pub struct StdioOptions {
    /// The longest accepted line (default 4 MiB).
    pub max_message_bytes: usize,
    /// Requests handled at once before reading pauses (default 256).
    pub max_in_flight: usize,
    /// How long in-flight calls may run after stdin closes (default 5 s).
    /// `subscriptions/listen` streams end at once: they never finish on
    /// their own.
    pub shutdown_grace: Duration,
}

impl Default for StdioOptions {
    fn default() -> Self {
        StdioOptions {
            max_message_bytes: 4 * 1024 * 1024,
            max_in_flight: 256,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// One line of input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    Frame(Vec<u8>),
    TooLong,
}

/// Splits a byte stream into lines without ever holding more than `max`
/// bytes of one line.
pub(crate) struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    searched: usize,
    max: usize,
    discarding: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    pub(crate) fn new(inner: R, max: usize) -> Self {
        LineReader {
            inner,
            buf: Vec::with_capacity(8 * 1024),
            searched: 0,
            max,
            discarding: false,
        }
    }

    pub(crate) async fn next(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            if let Some(pos) = self.buf[self.searched..].iter().position(|&b| b == b'\n') {
                let end = self.searched + pos;
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                self.searched = 0;
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if std::mem::take(&mut self.discarding) || line.len() > self.max {
                    return Ok(Some(Line::TooLong));
                }
                return Ok(Some(Line::Frame(line)));
            }
            self.searched = self.buf.len();
            if self.buf.len() > self.max {
                self.discarding = true;
            }
            if self.discarding {
                self.buf.clear();
                self.searched = 0;
            }
            self.buf.reserve(8 * 1024);
            let n = self.inner.read_buf(&mut self.buf).await?;
            if n == 0 {
                if std::mem::take(&mut self.discarding) {
                    return Ok(Some(Line::TooLong));
                }
                if self.buf.is_empty() {
                    return Ok(None);
                }
                self.searched = 0;
                return Ok(Some(Line::Frame(std::mem::take(&mut self.buf))));
            }
        }
    }
}

/// Serves one connection over a reader and a writer until the reader ends.
///
/// # Errors
/// An I/O error on either stream.
pub async fn serve<R, W>(
    handle: &ServerHandle,
    reader: R,
    writer: W,
    options: StdioOptions,
) -> Result<(), TransportError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(1024);
    let conn = handle.connect(Some(tx.clone()));
    let writer_task = tokio::spawn(async move {
        let mut w = BufWriter::new(writer);
        while let Some(frame) = rx.recv().await {
            // Empty frames are HTTP stream controls; stdio has no use for them.
            if frame.is_empty() {
                continue;
            }
            w.write_all(&frame).await?;
            w.write_all(b"\n").await?;
            if rx.is_empty() {
                w.flush().await?;
            }
        }
        w.flush().await?;
        Ok::<(), std::io::Error>(())
    });

    // Handlers running at once, and requests read but not yet running. The
    // reader only waits on the second, much larger, bound, so it keeps
    // reading (answers to our own requests, cancellations) while handlers wait.
    let permits = Arc::new(Semaphore::new(options.max_in_flight.max(1)));
    let queued = Arc::new(Semaphore::new(options.max_in_flight.max(1) * 16));
    let mut lines = LineReader::new(reader, options.max_message_bytes);
    let mut tasks = JoinSet::new();
    let too_long = ErrorObject::invalid_request(format!(
        "message longer than {} bytes; it was skipped (raise StdioOptions::max_message_bytes to accept larger messages)",
        options.max_message_bytes
    ));
    let read_result = loop {
        let line = match lines.next().await {
            Ok(Some(line)) => line,
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        };
        let frame = match line {
            Line::TooLong => {
                if tx.send(encode_error(None, &too_long)).await.is_err() {
                    break Ok(());
                }
                continue;
            }
            Line::Frame(f) if f.iter().all(u8::is_ascii_whitespace) => continue,
            Line::Frame(f) => f,
        };
        match conn.handle(&frame, None) {
            Reply::None => {}
            Reply::Now(bytes) | Reply::Rejected { bytes, .. } => {
                if tx.send(bytes).await.is_err() {
                    break Ok(());
                }
            }
            Reply::Later(mut fut) => {
                // Most handlers finish on their first poll: with a free slot,
                // run that poll here, so a quick call costs no task and no wake-up.
                let running = match Arc::clone(&permits).try_acquire_owned() {
                    Ok(permit) => match std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await {
                        Poll::Ready(answer) => {
                            drop(permit);
                            if let Some(answer) = answer {
                                if tx.send(answer.bytes).await.is_err() {
                                    break Ok(());
                                }
                            }
                            None
                        }
                        Poll::Pending => Some(Ok(permit)),
                    },
                    Err(_) => match Arc::clone(&queued).acquire_owned().await {
                        Ok(slot) => Some(Err(slot)),
                        Err(_) => break Ok(()),
                    },
                };
                if let Some(running) = running {
                    let permits = Arc::clone(&permits);
                    let tx = tx.clone();
                    tasks.spawn(async move {
                        // Either running already, or queued until a slot frees.
                        let permit = match running {
                            Ok(permit) => permit,
                            Err(_slot) => match permits.acquire_owned().await {
                                Ok(permit) => permit,
                                Err(_) => return,
                            },
                        };
                        if let Some(answer) = fut.await {
                            let _ = tx.send(answer.bytes).await;
                        }
                        drop(permit);
                    });
                }
            }
        }
        while tasks.try_join_next().is_some() {}
    };
    // End of input: subscriptions end now; in-flight calls may still
    // answer, then stdout closes.
    conn.end_subscriptions();
    let _ = tokio::time::timeout(options.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
    drop(conn);
    drop(tx);
    let write_result = writer_task.await.unwrap_or(Ok(()));
    read_result?;
    write_result?;
    Ok(())
}

/// Serves this process's stdin and stdout until stdin closes (see [`serve`]).
///
/// Pipes and Unix sockets (what MCP clients spawn servers with) are read
/// and written through the runtime's event loop; tokio's `stdin()` and
/// `stdout()` would hand every read and every write to a blocking-pool
/// thread, two thread wake-ups per round trip. Terminals, files, and a
/// stdout shared with stderr (`2>&1`) keep tokio's blocking streams.
pub(crate) async fn serve_process(
    handle: &ServerHandle,
    options: StdioOptions,
) -> Result<(), TransportError> {
    #[cfg(unix)]
    {
        let (reader, stdin_mode) = process::stdin();
        let (writer, stdout_mode) = process::stdout();
        let result = on_worker(handle, reader, writer, options).await;
        // Other processes may share these file descriptions after we exit.
        stdin_mode.restore();
        stdout_mode.restore();
        result
    }
    #[cfg(not(unix))]
    {
        on_worker(handle, tokio::io::stdin(), tokio::io::stdout(), options).await
    }
}

/// Runs [`serve`] as a task of its own. `#[tokio::main]` polls its future on
/// the main thread, outside the runtime's workers: every read would then be
/// an I/O event on a worker waking the main thread, and every spawned call a
/// wake-up back. On a worker, the event, the call and the write all stay on
/// the thread that saw the input.
async fn on_worker<R, W>(
    handle: &ServerHandle,
    reader: R,
    writer: W,
    options: StdioOptions,
) -> Result<(), TransportError>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let handle = handle.clone();
    let task = tokio::spawn(async move { serve(&handle, reader, writer, options).await });
    match task.await {
        Ok(result) => result,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Only a runtime shutting down cancels the task.
            Err(_) => Err(TransportError::Closed),
        },
    }
}

#[cfg(unix)]
mod process {
    use std::fs::File;
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    use tokio::io::{AsyncRead, AsyncWrite};
    use tokio::net::unix::pipe;

    pub(super) type Reader = Box<dyn AsyncRead + Unpin + Send>;
    pub(super) type Writer = Box<dyn AsyncWrite + Unpin + Send>;

    /// How to put a stream made non-blocking back in blocking mode.
    pub(super) enum Mode {
        Unchanged,
        Fifo(OwnedFd),
        Socket(OwnedFd),
    }

    impl Mode {
        pub(super) fn restore(self) {
            // Failing to restore leaves the description non-blocking, as a
            // crash would: nothing to report.
            match self {
                Mode::Unchanged => {}
                Mode::Fifo(fd) => {
                    let _ = pipe::Receiver::from_owned_fd_unchecked(fd)
                        .and_then(pipe::Receiver::into_blocking_fd);
                }
                Mode::Socket(fd) => {
                    let _ = std::os::unix::net::UnixStream::from(fd).set_nonblocking(false);
                }
            }
        }
    }

    enum Kind {
        Fifo,
        UnixSocket,
        Other,
    }

    /// A duplicate of `fd`, what it is, and its identity (device, inode).
    fn inspect(fd: BorrowedFd<'_>) -> Option<(OwnedFd, Kind, (u64, u64))> {
        let dup = fd.try_clone_to_owned().ok()?;
        let meta = File::from(dup.try_clone().ok()?).metadata().ok()?;
        let kind = if meta.file_type().is_fifo() {
            Kind::Fifo
        } else if meta.file_type().is_socket()
            && std::os::unix::net::UnixStream::from(dup.try_clone().ok()?)
                .local_addr()
                .is_ok()
        {
            Kind::UnixSocket
        } else {
            Kind::Other
        };
        Some((dup, kind, (meta.dev(), meta.ino())))
    }

    fn unix_socket(fd: OwnedFd) -> std::io::Result<tokio::net::UnixStream> {
        let s = std::os::unix::net::UnixStream::from(fd);
        s.set_nonblocking(true)?;
        tokio::net::UnixStream::from_std(s)
    }

    /// A polled stream over `fd` when it is a pipe or a Unix socket, with
    /// what restores its mode; `None` for anything else.
    fn polled<S>(
        fd: OwnedFd,
        kind: Kind,
        fifo: impl FnOnce(OwnedFd) -> std::io::Result<S>,
        socket: impl FnOnce(tokio::net::UnixStream) -> S,
    ) -> Option<(S, Mode)> {
        let keep = fd.try_clone().ok()?;
        match kind {
            Kind::Fifo => Some((fifo(fd).ok()?, Mode::Fifo(keep))),
            Kind::UnixSocket => Some((socket(unix_socket(fd).ok()?), Mode::Socket(keep))),
            Kind::Other => None,
        }
    }

    pub(super) fn stdin() -> (Reader, Mode) {
        inspect(std::io::stdin().as_fd())
            .and_then(|(fd, kind, _)| {
                polled(
                    fd,
                    kind,
                    |fd| pipe::Receiver::from_owned_fd(fd).map(|r| Box::new(r) as Reader),
                    |s| Box::new(s) as Reader,
                )
            })
            .unwrap_or_else(|| (Box::new(tokio::io::stdin()), Mode::Unchanged))
    }

    pub(super) fn stdout() -> (Writer, Mode) {
        let stderr = inspect(std::io::stderr().as_fd()).map(|(_, _, id)| id);
        inspect(std::io::stdout().as_fd())
            // Non-blocking is a property of the shared description: with
            // `2>&1`, writes to stderr (logs, panics) could fail with EAGAIN.
            .filter(|(_, _, id)| stderr != Some(*id))
            .and_then(|(fd, kind, _)| {
                polled(
                    fd,
                    kind,
                    |fd| pipe::Sender::from_owned_fd(fd).map(|w| Box::new(w) as Writer),
                    |s| Box::new(s) as Writer,
                )
            })
            .unwrap_or_else(|| (Box::new(tokio::io::stdout()), Mode::Unchanged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_and_limits() {
        let input = format!("a\r\n{}\nb\nlast", "x".repeat(100));
        let mut r = LineReader::new(input.as_bytes(), 10);
        assert_eq!(r.next().await.unwrap(), Some(Line::Frame(b"a".to_vec())));
        assert_eq!(r.next().await.unwrap(), Some(Line::TooLong));
        assert_eq!(r.next().await.unwrap(), Some(Line::Frame(b"b".to_vec())));
        assert_eq!(r.next().await.unwrap(), Some(Line::Frame(b"last".to_vec())));
        assert_eq!(r.next().await.unwrap(), None);
    }
}
