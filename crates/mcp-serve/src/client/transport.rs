//! Client-side transports: frames out, frames in.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

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
    /// Runs `program` (looked up in `PATH` unless it is a path).
    ///
    /// ```
    /// use mcp_serve::client::StdioCommand;
    /// let cmd = StdioCommand::new("npx");
    /// # let _ = cmd;
    /// ```
    pub fn new(program: impl Into<String>) -> Self {
        StdioCommand {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
        }
    }

    /// Adds an argument.
    ///
    /// ```
    /// use mcp_serve::client::StdioCommand;
    /// let cmd = StdioCommand::new("python3").arg("server.py");
    /// # let _ = cmd;
    /// ```
    #[must_use]
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// use mcp_serve::client::StdioCommand;
    /// let cmd = StdioCommand::new("npx").args(["-y", "@modelcontextprotocol/server-everything"]);
    /// # let _ = cmd;
    /// ```
    #[must_use]
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the process.
    ///
    /// ```
    /// use mcp_serve::client::StdioCommand;
    /// let cmd = StdioCommand::new("my-server").env("API_KEY", "…");
    /// # let _ = cmd;
    /// ```
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets the working directory.
    ///
    /// ```
    /// use mcp_serve::client::StdioCommand;
    /// let cmd = StdioCommand::new("./server").current_dir("/srv/mcp");
    /// # let _ = cmd;
    /// ```
    #[must_use]
    pub fn current_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Makes a relative working directory relative to `base` (a config
    /// file's directory, for the gateway).
    pub(crate) fn rebase_cwd(&mut self, base: &std::path::Path) {
        if let Some(dir) = &self.cwd {
            if dir.is_relative() {
                self.cwd = Some(base.join(dir));
            }
        }
    }

    /// The program and its arguments, space-separated (for messages and the
    /// era cache).
    pub(crate) fn command_line(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Owns the server process and ends it when the client closes or goes away:
/// stdin closed first (the server's signal to exit), killed if it lingers.
pub(crate) struct ChildGuard {
    child: std::sync::Mutex<Option<Child>>,
    close_stdin: std::sync::Mutex<Option<oneshot::Sender<()>>>,
}

impl ChildGuard {
    /// Closes the server's stdin (its signal to exit), waits a little, then
    /// kills it: the stdio transport's shutdown sequence.
    pub(crate) async fn shutdown(&self) {
        if let Some(tx) = lock(&self.close_stdin).take() {
            let _ = tx.send(());
        }
        let child = lock(&self.child).take();
        if let Some(mut child) = child {
            if tokio::time::timeout(Duration::from_secs(2), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Dropped without `shutdown`: the same sequence, in the background
        // when there is a runtime; otherwise `kill_on_drop` ends the process.
        let Some(child) = lock(&self.child).take() else {
            return;
        };
        if let Some(tx) = lock(&self.close_stdin).take() {
            let _ = tx.send(());
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let mut child = child;
            rt.spawn(async move {
                if tokio::time::timeout(Duration::from_secs(2), child.wait())
                    .await
                    .is_err()
                {
                    let _ = child.kill().await;
                }
            });
        }
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

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
        command: command.command_line(),
        source,
    })?;
    let mut stdin = child.stdin.take().ok_or(TransportError::Closed)?;
    let stdout = child.stdout.take().ok_or(TransportError::Closed)?;
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(256);
    let (in_tx, in_rx) = mpsc::channel::<Vec<u8>>(256);
    let (close_tx, mut close_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            let frame = tokio::select! {
                f = out_rx.recv() => f,
                _ = &mut close_rx => None,
            };
            let Some(frame) = frame else { break };
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
            // Blank lines carry nothing (and would read as a closed stream).
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if in_tx.send(line).await.is_err() {
                break;
            }
        }
    });
    Ok((
        (out_tx, in_rx),
        ChildGuard {
            child: std::sync::Mutex::new(Some(child)),
            close_stdin: std::sync::Mutex::new(Some(close_tx)),
        },
    ))
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
