//! The server's stderr for the page as well as the terminal, and the moment
//! the server process ends.
//!
//! The client library hands a stdio server our own stderr and keeps its
//! process to itself, so the page could neither say why a server failed to
//! start nor notice that it died. On Unix the command runs under
//! `sh -c 'exec "$0" "$@" 2<>FIFO'` instead (`exec`, so the server is still
//! the process the client stops): a thread reads the named pipe, copies each
//! line to our stderr and to the page, keeps the last lines for error
//! messages, and sees end-of-file when the last process holding the pipe —
//! the server — has exited.
//!
//! Until the server has started, the capture holds the pipe open for writing
//! itself, so its read end opens at once, before the server is spawned: what
//! a server writes before it exits stays in the pipe however late the reader
//! thread runs (a pipe nobody holds open loses its contents).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::events::Hub;

/// Lines kept for error messages.
const TAIL_LINES: usize = 40;

/// The variable the wrapper script reads the pipe's path from.
const PIPE_VAR: &str = "MCP_SERVE_DEV_STDERR";

/// Captures one server process's stderr; removes its pipe when dropped.
pub(crate) struct StderrCapture {
    /// The private directory holding the pipe.
    dir: Option<PathBuf>,
    shared: Arc<Shared>,
    ended: watch::Receiver<bool>,
    /// Our own hold on the pipe until [`StderrCapture::started`].
    keeper: Mutex<Option<std::fs::File>>,
}

struct Shared {
    tail: Mutex<VecDeque<String>>,
    /// The reader got past opening the pipe (a writer came).
    opened: AtomicBool,
}

impl StderrCapture {
    /// Prepares a pipe and its reader (no capture where that fails, e.g. without `mkfifo`).
    pub(crate) fn start(hub: Hub) -> StderrCapture {
        let shared = Arc::new(Shared {
            tail: Mutex::default(),
            opened: AtomicBool::new(false),
        });
        let (tx, ended) = watch::channel(false);
        let mut dir = make_pipe().ok();
        // Read and write, so the open never blocks (Linux; elsewhere the
        // reader waits for the server as it would without a keeper).
        let keeper = dir.as_ref().and_then(|d| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(d.join("stderr"))
                .ok()
        });
        // With the keeper holding a writer, the read end opens at once, here:
        // from now on the pipe keeps what is written into it, however late
        // the reader thread runs.
        let reader = keeper.as_ref().and(dir.as_ref()).and_then(|d| {
            let file = std::fs::File::open(d.join("stderr")).ok()?;
            shared.opened.store(true, Ordering::Release);
            Some(file)
        });
        if let Some(d) = dir.clone() {
            let (pipe, shared, hub) = (d.join("stderr"), Arc::clone(&shared), hub.clone());
            // Blocking reads on a thread of its own (without a keeper, opening a
            // FIFO blocks until the other side opens it, and the server may
            // take its time).
            let spawned = std::thread::Builder::new()
                .name("mcp-serve-dev-stderr".into())
                .spawn(move || read_pipe(&pipe, reader, &shared, &hub, &tx));
            if spawned.is_err() {
                let _ = std::fs::remove_dir_all(&d);
                dir = None;
            }
        }
        StderrCapture {
            dir,
            shared,
            ended,
            keeper: Mutex::new(keeper),
        }
    }

    /// The server has started, or failed to: let go of our hold on the pipe,
    /// so its end is seen when the server's side closes.
    pub(crate) fn started(&self) {
        drop(lock(&self.keeper).take());
    }

    /// The command to run instead of `program args…` so stderr goes through the pipe.
    pub(crate) fn wrap(
        &self,
        program: &str,
        args: &[String],
    ) -> (String, Vec<String>, Option<(String, String)>) {
        match &self.dir {
            Some(dir) => {
                let mut wrapped = vec![
                    "-c".to_owned(),
                    // `<>`: opening for reading too never blocks, so the server
                    // starts even if nobody reads (this process was killed).
                    format!("exec \"$0\" \"$@\" 2<>\"${PIPE_VAR}\""),
                    program.to_owned(),
                ];
                wrapped.extend(args.iter().cloned());
                let pipe = dir.join("stderr").display().to_string();
                ("/bin/sh".to_owned(), wrapped, Some((PIPE_VAR.to_owned(), pipe)))
            }
            None => (program.to_owned(), args.to_vec(), None),
        }
    }

    /// Whether the process's end will be noticed (see [`StderrCapture::ended`]).
    pub(crate) fn watches_exit(&self) -> bool {
        self.dir.is_some()
    }

    /// Resolves when the server process has exited (never without a pipe).
    pub(crate) fn ended(&self) -> impl std::future::Future<Output = ()> + Send + 'static + use<> {
        let mut ended = self.ended.clone();
        async move {
            if ended.wait_for(|e| *e).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// The last lines, after giving a dying process up to `grace` to finish writing.
    pub(crate) async fn tail(&self, grace: Duration) -> Vec<String> {
        if self.watches_exit() {
            let _ = tokio::time::timeout(grace, self.ended()).await;
        }
        self.lines()
    }

    /// The last lines read so far.
    pub(crate) fn lines(&self) -> Vec<String> {
        lock(&self.shared.tail).iter().cloned().collect()
    }
}

impl Drop for StderrCapture {
    fn drop(&mut self) {
        self.started();
        let Some(dir) = self.dir.take() else { return };
        if self.shared.opened.load(Ordering::Acquire) {
            // The reader has the pipe open and ends at end-of-file by itself.
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
        // The reader may still be in its open (the command did not start):
        // open the pipe once so that open returns and its thread ends. Read
        // and write, so this never waits for a reader that has already gone.
        let _ = std::thread::Builder::new()
            .name("mcp-serve-dev-stderr-close".into())
            .spawn(move || {
                let _ = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(dir.join("stderr"));
                let _ = std::fs::remove_dir_all(&dir);
            });
    }
}

/// A private directory with a named pipe `stderr` in it.
fn make_pipe() -> std::io::Result<PathBuf> {
    if !cfg!(unix) {
        return Err(std::io::Error::other("named pipes need Unix"));
    }
    // A fresh random name (mode 0700): a name made of our process id could
    // already be taken by one an earlier, killed inspector left behind.
    let mut builder = tempfile::Builder::new();
    builder.prefix("mcp-serve-dev-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let dir = builder.tempdir()?.keep();
    // `mkfifo` the command: the system call would need `unsafe`, which this workspace forbids.
    let made = std::process::Command::new("mkfifo")
        .arg("-m")
        .arg("600")
        .arg(dir.join("stderr"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match made {
        Ok(s) if s.success() => Ok(dir),
        _ => {
            let _ = std::fs::remove_dir_all(&dir);
            Err(std::io::Error::other("mkfifo failed"))
        }
    }
}

/// Reads the pipe (`opened`, or opened here) to its end.
fn read_pipe(
    pipe: &std::path::Path,
    opened: Option<std::fs::File>,
    shared: &Shared,
    hub: &Hub,
    ended: &watch::Sender<bool>,
) {
    let file = match opened {
        Some(file) => file,
        None => {
            let Ok(file) = std::fs::File::open(pipe) else {
                return;
            };
            shared.opened.store(true, Ordering::Release);
            file
        }
    };
    for line in BufReader::new(file).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line).trim_end_matches('\r').to_owned();
        // The same bytes the terminal would have shown without the capture.
        let _ = writeln!(std::io::stderr(), "{line}");
        {
            let mut tail = lock(&shared.tail);
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line.clone());
        }
        hub.stderr_line(line, "server");
    }
    let _ = ended.send(true);
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_wrapper_sends_stderr_through_the_pipe_and_reports_the_end() {
        let hub = Hub::new();
        let capture = StderrCapture::start(hub.clone());
        let (program, args, env) = capture.wrap(
            "sh",
            &["-c".into(), "echo out; echo one >&2; printf two >&2".into()],
        );
        let (k, v) = env.expect("unix captures");
        let out = tokio::process::Command::new(program)
            .args(args)
            .env(k, v)
            .output()
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "out\n",
            "stdout is untouched"
        );
        // The process is gone; what it wrote waits in the pipe until read.
        capture.started();
        tokio::time::timeout(Duration::from_secs(5), capture.ended())
            .await
            .expect("the end is seen");
        assert_eq!(capture.tail(Duration::ZERO).await, ["one", "two"]);
        assert_eq!(hub.logs().1, ["one", "two"]);
        let dir = capture.dir.clone().unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(&dir.metadata().unwrap().permissions());
        assert_eq!(mode & 0o777, 0o700, "the pipe is ours alone");
        drop(capture);
        assert!(!dir.exists(), "the pipe is removed");
    }

    /// A server that writes a line and exits at once, many times over: the
    /// line is never lost, however late the reader thread runs (it was, now
    /// and then, on a loaded machine, before the read end opened up front).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn what_a_server_writes_before_it_exits_is_kept() {
        for i in 0..200 {
            let hub = Hub::new();
            let capture = StderrCapture::start(hub.clone());
            let (program, args, env) = capture.wrap(
                "sh",
                &["-c".into(), "echo 'config file missing' >&2; exit 3".into()],
            );
            let (k, v) = env.expect("unix captures");
            let out = tokio::process::Command::new(program)
                .args(args)
                .env(k, v)
                .stdin(std::process::Stdio::null())
                .output()
                .await
                .unwrap();
            capture.started();
            let t = capture.tail(Duration::from_secs(2)).await;
            assert_eq!(t, ["config file missing"], "run {i}: {out:?}");
        }
    }

    #[tokio::test]
    async fn an_unused_pipe_is_cleaned_up() {
        let capture = StderrCapture::start(Hub::new());
        let dir = capture.dir.clone().unwrap();
        drop(capture);
        for _ in 0..100 {
            if !dir.exists() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{} is still there", dir.display());
    }
}
