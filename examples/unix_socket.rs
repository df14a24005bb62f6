//! A transport written outside mcp-serve, with nothing but its public engine
//! API: MCP over a Unix domain socket, one newline-delimited JSON-RPC
//! message per line, each accepted connection its own client (a legacy
//! session or modern stateless requests, as the client chooses).
//!
//! ```text
//! cargo run --example unix_socket -- serve /tmp/mcp.sock
//! mcp-serve call add a=2 b=3 -- target/debug/examples/unix_socket connect /tmp/mcp.sock
//! ```
//!
//! `connect PATH` bridges stdin/stdout to the socket, so any stdio client
//! (the `mcp-serve` command, Claude Desktop, the official SDKs) reaches the
//! server through this transport.
//!
//! What a transport does with the engine: [`ServerHandle::connect`] gives a
//! [`Connection`] whose server-initiated messages (progress, logs, requests
//! to the client, list changes) arrive on the channel it is given;
//! [`Connection::handle`] takes each incoming frame and says what to send
//! back ([`Reply`]): nothing, bytes now, or a handler to run whose answer is
//! sent when it is done. Answers may go out in any order; JSON-RPC ids pair
//! them with their requests.

use std::path::Path;

use mcp_serve::engine::{Connection, Reply, ServerHandle};
use mcp_serve::prelude::*;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

/// The longest line read from a client; longer ones end the connection.
const MAX_LINE: usize = 4 * 1024 * 1024;

/// Add two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Count to `n`, reporting progress on the way.
#[tool]
async fn count(n: u32, ctx: Context) -> String {
    for i in 1..=n {
        ctx.progress(f64::from(i), Some(f64::from(n)), None).await;
    }
    format!("counted to {n}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["serve", path] => {
            let server = Server::new("unix-socket", "1.0.0").tool(add).tool(count);
            serve(server.into_handle()?, Path::new(path)).await
        }
        ["connect", path] => bridge(Path::new(path)).await,
        _ => {
            eprintln!("usage: unix_socket serve PATH | unix_socket connect PATH");
            std::process::exit(2);
        }
    }
}

/// Accepts clients on `path` until the process ends.
async fn serve(handle: ServerHandle, path: &Path) -> anyhow::Result<()> {
    // A socket file left by an earlier run would make bind fail.
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    eprintln!("listening on {}", path.display());
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(serve_client(handle.clone(), stream));
    }
}

/// One client: frames in, answers and server-initiated messages out.
async fn serve_client(handle: ServerHandle, stream: UnixStream) {
    let (read, write) = stream.into_split();
    let (tx, rx) = mpsc::channel::<Vec<u8>>(64);
    let conn = handle.connect(Some(tx.clone()));
    let writer = tokio::spawn(write_frames(rx, write));
    read_frames(&conn, read, &tx).await;
    // The client is gone: streams that never end on their own end now.
    conn.end_subscriptions();
    drop((conn, tx));
    let _ = writer.await;
}

/// Reads lines and hands each to the engine.
async fn read_frames(conn: &Connection, read: impl AsyncRead + Unpin, tx: &mpsc::Sender<Vec<u8>>) {
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        // At most MAX_LINE bytes per line: a client cannot make us buffer more.
        match (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(0) | Err(_) => return,
            Ok(n) if n > MAX_LINE => return,
            Ok(_) => {}
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match conn.handle(&line, None) {
            Reply::None => {}
            Reply::Now(bytes) | Reply::Rejected { bytes, .. } => {
                if tx.send(bytes).await.is_err() {
                    return;
                }
            }
            // A handler: run it beside the reader, so slow calls do not
            // hold up the next message.
            Reply::Later(answer) => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(answer) = answer.await {
                        let _ = tx.send(answer.bytes).await;
                    }
                });
            }
        }
    }
}

/// Writes each frame as one line.
async fn write_frames(mut rx: mpsc::Receiver<Vec<u8>>, mut write: impl AsyncWrite + Unpin) {
    while let Some(frame) = rx.recv().await {
        // An empty frame asks a streaming transport to close a stream; a
        // socket has none to close.
        if frame.is_empty() {
            continue;
        }
        if write.write_all(&frame).await.is_err() || write.write_all(b"\n").await.is_err() {
            return;
        }
    }
}

/// Copies stdin to the socket and the socket to stdout.
async fn bridge(path: &Path) -> anyhow::Result<()> {
    let stream = UnixStream::connect(path).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot connect to {}: {e}; is `unix_socket serve` running?",
            path.display()
        )
    })?;
    let (mut read, mut write) = stream.into_split();
    // Requests up until stdin ends, then a half-close: the server finishes
    // what is in flight, answers, and closes its side, which ends the copy down.
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut tokio::io::stdin(), &mut write).await;
        let _ = write.shutdown().await;
    });
    tokio::io::copy(&mut read, &mut tokio::io::stdout()).await?;
    Ok(())
}
