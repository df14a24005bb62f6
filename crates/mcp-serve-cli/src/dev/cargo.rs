//! `cargo run …` targets: the matching `cargo build …`, and running it.
//!
//! Building separately from running lets a failed build leave the old server
//! running (watch mode) and keeps compile time out of the handshake timeout.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::events::Hub;

/// Build output lines kept for the page.
const OUTPUT_LINES: usize = 400;

/// How to build what a `cargo run` command runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Build {
    /// `cargo` (or its path).
    pub(crate) program: String,
    /// `build` and the flags of the run command, without the program's own arguments.
    pub(crate) args: Vec<String>,
    /// The target's environment.
    pub(crate) env: Vec<(String, String)>,
    /// The target's working directory.
    pub(crate) cwd: Option<PathBuf>,
}

/// Cargo's global options that take a value before the subcommand.
const GLOBAL_WITH_VALUE: [&str; 4] = ["--config", "-Z", "-C", "--color"];

impl Build {
    /// `cargo run --example x -- args` → `cargo build --example x`; `None`
    /// when the command is not `cargo run`.
    pub(crate) fn for_run(
        program: &str,
        args: &[String],
        env: &[(String, String)],
        cwd: Option<&PathBuf>,
    ) -> Option<Build> {
        let name = std::path::Path::new(program).file_stem()?.to_str()?;
        if name != "cargo" {
            return None;
        }
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            if a == "run" || a == "r" {
                break;
            }
            if !(a.starts_with('-') || a.starts_with('+')) {
                return None; // another subcommand
            }
            i += if GLOBAL_WITH_VALUE.contains(&a) { 2 } else { 1 };
        }
        if i >= args.len() {
            return None;
        }
        let mut out: Vec<String> = args[..i].to_vec();
        out.push("build".to_owned());
        out.extend(args[i + 1..].iter().take_while(|a| *a != "--").cloned());
        Some(Build {
            program: program.to_owned(),
            args: out,
            env: env.to_vec(),
            cwd: cwd.cloned(),
        })
    }

    /// `cargo build …` for messages.
    pub(crate) fn describe(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the build; its output goes to the terminal and the page as it
    /// comes. Returns whether it succeeded and the last lines of output.
    pub(crate) async fn run(&self, hub: &Hub) -> (bool, Vec<String>) {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .envs(self.env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => return (false, vec![format!("cannot run `{}`: {e}", self.describe())]),
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        for pipe in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut output = std::collections::VecDeque::new();
        while let Some(line) = rx.recv().await {
            eprintln!("{line}");
            hub.stderr_line(line.clone(), "build");
            if output.len() == OUTPUT_LINES {
                output.pop_front();
            }
            output.push_back(line);
        }
        let ok = matches!(child.wait().await, Ok(status) if status.success());
        (ok, output.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(cmd: &str) -> Option<Vec<String>> {
        let words: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
        Build::for_run(&words[0], &words[1..], &[], None).map(|b| b.args)
    }

    #[test]
    fn run_becomes_build() {
        assert_eq!(
            build("cargo run --example x -- --http 1").unwrap(),
            ["build", "--example", "x"]
        );
        assert_eq!(
            build("cargo +nightly -q run -p srv --release").unwrap(),
            ["+nightly", "-q", "build", "-p", "srv", "--release"]
        );
        assert_eq!(
            build("/usr/bin/cargo --config a=1 r --bin s").unwrap(),
            ["--config", "a=1", "build", "--bin", "s"]
        );
        assert_eq!(build("cargo test"), None);
        assert_eq!(build("./server run"), None);
        assert_eq!(build("cargo --version"), None);
    }
}
