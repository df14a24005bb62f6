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
use std::time::Duration;

use mcp_serve_core::jsonrpc::{encode_error, ErrorObject};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use super::TransportError;
use crate::engine::Reply;
use crate::server::ServerHandle;

/// Limits of the stdio transport.
#[derive(Debug, Clone)]
pub struct StdioOptions {
    /// The longest accepted line (default 4 MiB).
    pub max_message_bytes: usize,
    /// Requests handled at once before reading pauses (default 256).
    pub max_in_flight: usize,
    /// How long in-flight calls may run after stdin closes (default 5 s).
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
            Reply::Later(fut) => {
                let Ok(slot) = Arc::clone(&queued).acquire_owned().await else {
                    break Ok(());
                };
                let permits = Arc::clone(&permits);
                let tx = tx.clone();
                tasks.spawn(async move {
                    let Ok(permit) = permits.acquire_owned().await else {
                        return;
                    };
                    drop(slot);
                    if let Some(bytes) = fut.await {
                        let _ = tx.send(bytes.bytes).await;
                    }
                    drop(permit);
                });
            }
        }
        while tasks.try_join_next().is_some() {}
    };
    // End of input: let in-flight calls answer, then close stdout.
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
