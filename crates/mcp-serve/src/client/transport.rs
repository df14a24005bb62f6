//! Client-side transports: frames out, frames in.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::engine::Reply;
use crate::server::ServerHandle;
use crate::transport::TransportError;

/// A server command to run over stdio.
///
/// ```
/// use mcp_serve::client::StdioCommand;
/// let cmd = StdioCommand::new("target/debug/examples/quickstart").env("RUST_LOG", "debug");
/// # let _ = cmd;
/// ```
#[derive(Debug, Clone)]
pub struct StdioCommand {
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<std::path::PathBuf>,
}

impl StdioCommand {
    /// Runs `program`.
    pub fn new(program: impl Into<String>) -> Self {
        StdioCommand {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
        }
    }

    /// Adds an argument.
    #[must_use]
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    #[must_use]
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable.
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets the working directory.
    #[must_use]
    pub fn current_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }
}

/// Kills the child when the client goes away.
pub(crate) struct ChildGuard(#[allow(dead_code)] Child);

/// Frames to the server, frames from it.
pub(crate) type Pipes = (mpsc::Sender<Vec<u8>>, mpsc::Receiver<Vec<u8>>);

pub(crate) fn spawn(command: StdioCommand) -> Result<(Pipes, ChildGuard), TransportError> {
    let mut cmd = Command::new(&command.program);
    cmd.args(&command.args)
        .envs(command.env.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if let Some(dir) = &command.cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().map_err(|source| TransportError::Spawn {
        command: std::iter::once(command.program.clone())
            .chain(command.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
        source,
    })?;
    let mut stdin = child.stdin.take().ok_or(TransportError::Closed)?;
    let stdout = child.stdout.take().ok_or(TransportError::Closed)?;
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(256);
    let (in_tx, in_rx) = mpsc::channel::<Vec<u8>>(256);
    tokio::spawn(async move {
        while let Some(frame) = out_rx.recv().await {
            if stdin.write_all(&frame).await.is_err() || stdin.write_all(b"\n").await.is_err() {
                break;
            }
            if out_rx.is_empty() && stdin.flush().await.is_err() {
                break;
            }
        }
        // Dropping stdin closes it: the server's signal to exit.
    });
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).split(b'\n');
        while let Ok(Some(line)) = lines.next_segment().await {
            if in_tx.send(line).await.is_err() {
                break;
            }
        }
    });
    Ok(((out_tx, in_rx), ChildGuard(child)))
}

/// A client wired straight to a server connection in this process.
pub(crate) fn memory(server: &ServerHandle) -> Pipes {
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(256);
    let (in_tx, in_rx) = mpsc::channel::<Vec<u8>>(256);
    let conn = server.connect(Some(in_tx.clone()));
    tokio::spawn(async move {
        while let Some(frame) = out_rx.recv().await {
            match conn.handle(&frame, None) {
                Reply::None => {}
                Reply::Now(bytes) | Reply::Rejected { bytes, .. } => {
                    if in_tx.send(bytes).await.is_err() {
                        break;
                    }
                }
                Reply::Later(fut) => {
                    let tx = in_tx.clone();
                    tokio::spawn(async move {
                        if let Some(bytes) = fut.await {
                            let _ = tx.send(bytes.bytes).await;
                        }
                    });
                }
            }
        }
    });
    (out_tx, in_rx)
}
