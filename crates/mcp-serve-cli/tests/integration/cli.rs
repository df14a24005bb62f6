//! The `mcp-serve` command against real servers: the quickstart, everything
//! and interactive examples of the `mcp-serve` crate, run as child processes
//! over stdio (and over HTTP, behind `mcp-serve proxy` or their own `--http`).
//!
//! Every process a test starts is bounded in time and ended when the test
//! ends. The examples are built with `cargo build -p mcp-serve --examples`
//! into this test's target directory when they are missing.
//!
//! The official SDK servers (TypeScript `server-everything`, Python `mcp`) are
//! covered by `scripts/cli-interop.sh`.

#![allow(missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Running the binary and the examples
// ---------------------------------------------------------------------------

pub(super) const BIN: &str = env!("CARGO_BIN_EXE_mcp-serve");

/// How long one CLI run may take before the test fails (a hang is a bug).
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The directory cargo put the binary in (`<target>/debug`).
fn profile_dir() -> PathBuf {
    Path::new(BIN)
        .parent()
        .expect("the binary has a directory")
        .to_path_buf()
}

/// The path of an example server, built (once per test run, so never a
/// stale binary from an earlier build) on first use.
pub(super) fn example(name: &str) -> String {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(e) = BUILT.get_or_init(build_examples) {
        panic!("cannot build the example servers: {e}");
    }
    let path = profile_dir().join("examples").join(name);
    assert!(path.exists(), "{} is missing", path.display());
    path.to_string_lossy().into_owned()
}

fn build_examples() -> Result<(), String> {
    let profile = profile_dir();
    let target = profile.parent().ok_or("no target dir")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "-p",
        "mcp-serve",
        "--examples",
        "--target-dir",
    ])
    .arg(target)
    .current_dir(env!("CARGO_MANIFEST_DIR"))
    .stdin(Stdio::null());
    if profile.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    let out = run_bounded(cmd, Duration::from_secs(900)).map_err(|e| format!("cargo: {e}"))?;
    if out.code != Some(0) {
        return Err(format!("cargo build failed:\n{}", out.stderr));
    }
    Ok(())
}

/// What a finished process printed.
#[derive(Debug)]
pub(super) struct Run {
    pub(super) code: Option<i32>,
    pub(super) stdout: String,
    pub(super) stderr: String,
    pub(super) took: Duration,
}

impl Run {
    /// Stdout as JSON.
    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Fails with everything printed unless the exit code is `code`.
    #[track_caller]
    pub(super) fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// The text of the first content block of a tool result.
    pub(super) fn text(&self) -> String {
        let v = self.json();
        v["content"][0]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("no text content in {v:#}"))
            .to_owned()
    }
}

/// Runs `cmd` to completion, killing it after `limit`.
fn run_bounded(mut cmd: Command, limit: Duration) -> std::io::Result<Run> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let err = stderr.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
            panic!("{cmd:?} did not finish within {limit:?}; stderr so far:\n{err}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = started.elapsed();
    Ok(Run {
        code: status.code(),
        stdout: stdout.recv_timeout(Duration::from_secs(10)).unwrap_or_default(),
        stderr: stderr.recv_timeout(Duration::from_secs(10)).unwrap_or_default(),
        took,
    })
}

fn read_all(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut s);
        }
        let _ = tx.send(String::from_utf8_lossy(&s).into_owned());
    });
    rx
}

/// `mcp-serve ARGS…` in the current directory.
pub(super) fn cli(args: &[&str]) -> Run {
    cli_in(None, args)
}

/// `mcp-serve ARGS…` in `dir`.
fn cli_in(dir: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::null()).env_remove("MCP_SERVE_LOG");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    run_bounded(cmd, RUN_LIMIT).expect("mcp-serve runs")
}

/// A child process that is killed when the test ends, however it ends.
pub(super) struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub(super) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Starts `program args` (which serves HTTP on `port`) and waits until it
/// accepts connections.
pub(super) fn start_http(program: &str, args: &[&str], port: u16) -> Guard {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let mut guard = Guard(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = guard.0.try_wait() {
            panic!("{program} {args:?} exited with {status} before listening on {port}");
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return guard;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{program} {args:?} did not listen on 127.0.0.1:{port} within 30s");
}

pub(super) fn names(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {items}"))
        .iter()
        .map(|i| i[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Output a progress bar would leave on a terminal.
fn has_terminal_noise(s: &str) -> bool {
    s.contains('\r') || s.contains('\u{1b}')
}

// ---------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------

#[test]
fn list_prints_every_kind_as_json() {
    let q = example("quickstart");
    let v = cli(&["list", &q]).expect_code(0).json();
    assert_eq!(names(&v["tools"], "name"), ["add", "divide", "greet", "stats"]);
    assert_eq!(names(&v["resources"], "uri"), ["config://app"]);
    assert_eq!(
        names(&v["resourceTemplates"], "uriTemplate"),
        ["users://{id}/profile"]
    );
    assert_eq!(names(&v["prompts"], "name"), ["review"]);
    let add = &v["tools"][0];
    assert_eq!(add["description"], "Add two numbers.");
    assert_eq!(add["inputSchema"]["properties"]["a"]["type"], "number");
    assert_eq!(add["annotations"]["readOnlyHint"], true);
}

#[test]
fn list_one_kind() {
    let q = example("quickstart");
    for (kind, key) in [
        ("tools", "tools"),
        ("resources", "resources"),
        ("templates", "resourceTemplates"),
        ("prompts", "prompts"),
    ] {
        let v = cli(&["list", &q, kind]).expect_code(0).json();
        let keys: Vec<&String> = v.as_object().expect("an object").keys().collect();
        assert_eq!(keys, [key], "list {kind}");
    }
    // The command form: the kind stays a positional.
    let v = cli(&["list", "prompts", "--", &q]).expect_code(0).json();
    assert_eq!(names(&v["prompts"], "name"), ["review"]);
    assert!(v.get("tools").is_none());
}

#[test]
fn list_as_tables() {
    let q = example("quickstart");
    let out = cli(&["list", &q, "--format", "table"])
        .expect_code(0)
        .stdout
        .clone();
    for needle in [
        "Tools (4)",
        "NAME",
        "DESCRIPTION",
        "add",
        "Add two numbers.",
        "stats",
        "Resources (1)",
        "config://app",
        "Resource templates (1)",
        "users://{id}/profile",
        "Prompts (1)",
        "review",
    ] {
        assert!(out.contains(needle), "`{needle}` missing from:\n{out}");
    }
    let out = cli(&["list", &q, "prompts", "-f", "table"])
        .expect_code(0)
        .stdout
        .clone();
    assert!(
        out.contains("Prompts (1)") && out.contains("Review a piece of code."),
        "{out}"
    );
    assert!(!out.contains("Tools"), "{out}");
}

#[test]
fn list_rejects_unknown_kinds() {
    let q = example("quickstart");
    let r = cli(&["list", &q, "widgets"]);
    r.expect_code(2);
    assert!(r.stderr.contains("cannot list `widgets`"), "{}", r.stderr);
    let r = cli(&["list", &q, "tools", "prompts"]);
    r.expect_code(2);
    assert!(r.stderr.contains("unexpected arguments"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// call
// ---------------------------------------------------------------------------

#[test]
fn call_types_key_values_by_the_schema() {
    let q = example("quickstart");
    assert_eq!(cli(&["call", &q, "add", "a=2", "b=3"]).expect_code(0).text(), "5");
    assert_eq!(
        cli(&["call", &q, "add", "a=-1.5", "b=0.25"])
            .expect_code(0)
            .text(),
        "-1.25"
    );
    // `name` is a string in the schema: 01234 stays "01234", not the number 1234.
    assert_eq!(
        cli(&["call", &q, "greet", "name=01234"]).expect_code(0).text(),
        "Hello, 01234!"
    );
    assert_eq!(
        cli(&["call", &q, "greet", "name=true", "greeting=Hi there"])
            .expect_code(0)
            .text(),
        "Hi there, true!"
    );
    // An array value, read as JSON.
    let v = cli(&["call", &q, "stats", "numbers=[1, 2, 3, 6]"])
        .expect_code(0)
        .json();
    assert_eq!(
        v["structuredContent"],
        json!({"count": 4, "sum": 12.0, "mean": 3.0, "min": 1.0, "max": 6.0})
    );
}

#[test]
fn call_takes_one_json_object() {
    let q = example("quickstart");
    let v = cli(&["call", &q, "stats", r#"{"numbers": [2, 4]}"#])
        .expect_code(0)
        .json();
    assert_eq!(v["structuredContent"]["count"], 2);
    assert_eq!(v["structuredContent"]["mean"], 3.0);
    assert_eq!(
        cli(&["call", &q, "add", r#"{"a": 1.5, "b": 2}"#])
            .expect_code(0)
            .text(),
        "3.5"
    );
    let r = cli(&["call", &q, "add", "{not json"]);
    r.expect_code(2);
    assert!(r.stderr.contains("is not a JSON object"), "{}", r.stderr);
}

#[test]
fn call_a_command_after_dashes() {
    let q = example("quickstart");
    assert_eq!(
        cli(&["call", "add", "a=2", "b=3", "--", &q])
            .expect_code(0)
            .text(),
        "5"
    );
    // A command with arguments of its own: they reach the program.
    let r = cli(&[
        "call",
        "add",
        "a=20",
        "b=22",
        "--",
        "env",
        "QUICKSTART_VIA_ENV=1",
        &q,
    ]);
    assert_eq!(r.expect_code(0).text(), "42");
}

#[test]
fn call_table_prints_the_content() {
    let q = example("quickstart");
    let r = cli(&["call", &q, "greet", "name=Ada", "-f", "table"]);
    assert_eq!(r.expect_code(0).stdout, "Hello, Ada!\n");
    let e = example("everything");
    let r = cli(&["call", &e, "test_image_content", "--format", "table"]);
    assert!(
        r.expect_code(0).stdout.starts_with("[image image/png, about "),
        "{}",
        r.stdout
    );
    let r = cli(&["call", &e, "test_embedded_resource", "--format", "table"]);
    assert_eq!(r.expect_code(0).stdout, "This is an embedded resource content.\n");
}

#[test]
fn a_tool_error_exits_1_with_the_result() {
    let q = example("quickstart");
    let r = cli(&["call", &q, "divide", "a=1", "b=0"]);
    let v = r.expect_code(1).json();
    assert_eq!(v["isError"], true);
    assert_eq!(v["content"][0]["text"], "division by zero: b must not be 0");
    let r = cli(&["call", &q, "divide", "a=1", "b=0", "-f", "table"]);
    assert_eq!(r.expect_code(1).stdout, "division by zero: b must not be 0\n");
    // Arguments the server rejects against the schema: also a tool error.
    let r = cli(&["call", &q, "add", "a=x", "b=1"]);
    let v = r.expect_code(1).json();
    assert!(
        v["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("is not of type"),
        "{v}"
    );
    let e = example("everything");
    let r = cli(&["call", &e, "test_error_handling"]);
    assert_eq!(r.expect_code(1).json()["isError"], true);
}

#[test]
fn an_unknown_tool_exits_4_and_names_the_tools() {
    let q = example("quickstart");
    let r = cli(&["call", &q, "nope", "a=1"]);
    r.expect_code(4);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("no tool `nope`"), "{}", r.stderr);
    assert!(r.stderr.contains("add, divide, greet, stats"), "{}", r.stderr);
}

#[test]
fn argument_mistakes_are_usage_errors() {
    let q = example("quickstart");
    let r = cli(&["call", &q, "add", "novalue"]);
    r.expect_code(2);
    assert!(r.stderr.contains("key=value"), "{}", r.stderr);
    let r = cli(&["call", &q]);
    r.expect_code(2);
    assert!(r.stderr.contains("no tool given"), "{}", r.stderr);
    let r = cli(&["call", &q, "add", "a=1", "--protocol", "1999"]);
    r.expect_code(2);
    assert!(r.stderr.contains("unknown --protocol `1999`"), "{}", r.stderr);
    let r = cli(&["call", "--format", "yaml", &q, "add"]);
    r.expect_code(2);
}

#[test]
fn a_slow_tool_times_out_with_exit_5() {
    let i = example("interactive");
    let r = cli(&["call", &i, "long_task", "seconds=30", "--timeout", "1s"]);
    r.expect_code(5);
    assert!(r.stderr.contains("within the timeout"), "{}", r.stderr);
    assert!(r.took < Duration::from_secs(15), "took {:?}", r.took);
}

// ---------------------------------------------------------------------------
// Targets that are not MCP servers
// ---------------------------------------------------------------------------

#[test]
fn a_missing_target_is_a_usage_error() {
    let r = cli(&["call", "./no/such/server", "add", "a=1"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("`./no/such/server` does not exist"),
        "{}",
        r.stderr
    );
    let r = cli(&["list"]);
    r.expect_code(2);
    assert!(r.stderr.contains("no server given"), "{}", r.stderr);
}

#[test]
fn a_program_that_cannot_start_exits_3() {
    let r = cli(&["list", "--timeout", "3s", "--", "/definitely/not/a/program"]);
    r.expect_code(3);
    assert!(
        r.stderr.contains("cannot connect to /definitely/not/a/program"),
        "{}",
        r.stderr
    );
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);
}

#[test]
fn a_command_that_is_not_an_mcp_server_exits_3_in_time() {
    // Exits at once (reported as closed, or, when the exit wins a race, as
    // not answering; see the ignored test below).
    let r = cli(&["list", "--timeout", "3s", "--", "true"]);
    r.expect_code(3);
    assert!(
        r.stderr
            .contains("cannot connect to true: the connection is closed")
            || r.stderr
                .contains("true did not answer the MCP handshake within 3s"),
        "{}",
        r.stderr
    );
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);

    // Echoes what it is sent.
    let r = cli(&["call", "--timeout", "3s", "add", "a=1", "--", "/bin/cat"]);
    r.expect_code(3);
    assert!(r.stderr.contains("cannot connect to /bin/cat"), "{}", r.stderr);
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);

    // Says nothing at all.
    let r = cli(&["list", "--timeout", "2s", "--", "sleep", "30"]);
    r.expect_code(3);
    assert!(
        r.stderr.contains("did not answer the MCP handshake within 2s"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("is it an MCP server"), "{}", r.stderr);
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);

    // Prints something that is not JSON-RPC.
    let r = cli(&[
        "list",
        "--timeout",
        "2s",
        "--",
        "sh",
        "-c",
        "echo hello; exec sleep 30",
    ]);
    r.expect_code(3);
    assert!(
        r.stderr.contains("did not answer the MCP handshake"),
        "{}",
        r.stderr
    );
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);
}

#[test]
fn a_command_that_exits_at_once_fails_at_once() {
    for _ in 0..10 {
        let r = cli(&["list", "--", "true"]);
        r.expect_code(3);
        assert!(r.stderr.contains("the connection is closed"), "{}", r.stderr);
        assert!(
            r.took < Duration::from_secs(5),
            "took {:?} with the default 60s timeout",
            r.took
        );
    }
}

// ---------------------------------------------------------------------------
// read and prompt
// ---------------------------------------------------------------------------

#[test]
fn read_a_resource_and_a_template() {
    let q = example("quickstart");
    let v = cli(&["read", &q, "config://app"]).expect_code(0).json();
    assert_eq!(v["contents"][0]["uri"], "config://app");
    assert_eq!(v["contents"][0]["mimeType"], "application/json");
    assert_eq!(v["contents"][0]["text"], r#"{"theme":"dark","version":"1.0.0"}"#);
    let v = cli(&["read", &q, "users://2/profile"]).expect_code(0).json();
    let user: Value =
        serde_json::from_str(v["contents"][0]["text"].as_str().expect("text")).expect("JSON text");
    assert_eq!(user, json!({"id": 2, "name": "Alan Turing"}));
    let r = cli(&["read", "users://3/profile", "--format", "table", "--", &q]);
    assert_eq!(r.expect_code(0).stdout, "{\"id\":3,\"name\":\"Grace Hopper\"}\n");
    let e = example("everything");
    let r = cli(&["read", &e, "test://static-binary", "-f", "table"]);
    assert!(
        r.expect_code(0).stdout.starts_with("[blob image/png, about "),
        "{}",
        r.stdout
    );
}

#[test]
fn read_mistakes() {
    let q = example("quickstart");
    let r = cli(&["read", &q, "users://99/profile"]);
    r.expect_code(4);
    assert!(r.stderr.contains("users://99/profile"), "{}", r.stderr);
    let r = cli(&["read", &q]);
    r.expect_code(2);
    assert!(r.stderr.contains("give exactly one resource URI"), "{}", r.stderr);
}

#[test]
fn prompt_as_json_and_text() {
    let q = example("quickstart");
    let v = cli(&["prompt", &q, "review", "code=fn main() {}", "language=rust"])
        .expect_code(0)
        .json();
    assert_eq!(v["messages"][0]["role"], "user");
    assert_eq!(
        v["messages"][0]["content"]["text"],
        "Please review this rust code:\n\nfn main() {}"
    );
    // Prompt arguments are strings: 42 is sent as "42".
    let v = cli(&["prompt", &q, "review", "code=42"]).expect_code(0).json();
    assert_eq!(
        v["messages"][0]["content"]["text"],
        "Please review this code:\n\n42"
    );
    let r = cli(&["prompt", &q, "review", "code=x = 1", "-f", "table"]);
    assert_eq!(
        r.expect_code(0).stdout,
        "[user]\nPlease review this code:\n\nx = 1\n"
    );
    let e = example("everything");
    let v = cli(&["prompt", &e, "test_prompt_with_arguments", "arg1=a", "arg2=b"])
        .expect_code(0)
        .json();
    assert_eq!(
        v["messages"][0]["content"]["text"],
        "Prompt with arguments: arg1='a', arg2='b'"
    );
}

#[test]
fn prompt_mistakes() {
    let q = example("quickstart");
    let r = cli(&["prompt", &q, "nope"]);
    r.expect_code(4);
    assert!(r.stderr.contains("nope"), "{}", r.stderr);
    let r = cli(&["prompt", &q, "review"]);
    r.expect_code(4);
    assert!(r.stderr.contains("code"), "{}", r.stderr);
    let r = cli(&["prompt", &q]);
    r.expect_code(2);
    assert!(r.stderr.contains("no prompt given"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// Protocol eras
// ---------------------------------------------------------------------------

#[test]
fn protocol_eras_are_chosen_by_the_flag() {
    let q = example("quickstart");
    let stats = |protocol: &str| {
        cli(&["call", &q, "stats", "numbers=[1,2]", "--protocol", protocol])
            .expect_code(0)
            .json()
    };
    // Modern (2026-07-28) results say `resultType` and carry the server's identity in `_meta`.
    for p in ["auto", "modern", "2026-07-28"] {
        let v = stats(p);
        assert_eq!(v["resultType"], "complete", "--protocol {p}: {v}");
        assert_eq!(
            v["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "quickstart",
            "{p}: {v}"
        );
        assert_eq!(v["structuredContent"]["sum"], 3.0, "{p}: {v}");
    }
    // Legacy sessions: no resultType; structured output exists from 2025-06-18 on.
    for p in ["legacy", "2025-11-25", "2025-06-18"] {
        let v = stats(p);
        assert!(v.get("resultType").is_none(), "--protocol {p}: {v}");
        assert!(v.get("_meta").is_none(), "--protocol {p}: {v}");
        assert_eq!(v["structuredContent"]["sum"], 3.0, "--protocol {p}: {v}");
    }
    for p in ["2025-03-26", "2024-11-05"] {
        let v = stats(p);
        assert!(v.get("resultType").is_none(), "--protocol {p}: {v}");
        assert!(
            v.get("structuredContent").is_none(),
            "--protocol {p} predates structured output: {v}"
        );
        assert!(
            v["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("\"sum\":3.0"),
            "{v}"
        );
    }
    // Every command honours the flag.
    let v = cli(&["read", &q, "config://app", "--protocol", "legacy"])
        .expect_code(0)
        .json();
    assert!(v.get("resultType").is_none(), "{v}");
    let v = cli(&["prompt", &q, "review", "code=x", "--protocol", "modern"])
        .expect_code(0)
        .json();
    assert_eq!(v["resultType"], "complete", "{v}");
    let v = cli(&["list", &q, "tools", "--protocol", "2024-11-05"])
        .expect_code(0)
        .json();
    assert_eq!(names(&v["tools"], "name"), ["add", "divide", "greet", "stats"]);
}

// ---------------------------------------------------------------------------
// Progress and logs
// ---------------------------------------------------------------------------

#[test]
fn a_tool_reporting_progress_completes_and_stderr_stays_clean() {
    let i = example("interactive");
    for p in ["auto", "legacy"] {
        let r = cli(&["call", &i, "crunch", "steps=5", "--protocol", p]);
        assert_eq!(
            r.expect_code(0).text(),
            "crunched 5 steps: sum of squares = 55",
            "{p}"
        );
        // stderr is not a terminal here: no progress bar, only log lines.
        assert!(!has_terminal_noise(&r.stderr), "{p}: {:?}", r.stderr);
        assert!(!r.stderr.contains("step 1 of 5"), "{p}: {:?}", r.stderr);
        for line in r.stderr.lines() {
            assert!(line.starts_with('['), "{p}: not a log line: {line:?}");
        }
    }
    // The CLI asks for progress: the tool sees its token.
    let e = example("everything");
    let r = cli(&["call", &e, "test_tool_with_progress"]);
    assert_eq!(
        r.expect_code(0).text(),
        "Progress reported with token \"mcp-serve-cli\""
    );
    assert!(!has_terminal_noise(&r.stderr), "{:?}", r.stderr);
}

#[test]
fn logs_go_to_stderr_and_results_to_stdout() {
    let e = example("everything");
    let r = cli(&["call", &e, "test_tool_with_logging", "--protocol", "legacy"]);
    assert_eq!(r.expect_code(0).text(), "Tool with logging executed successfully");
    // The messages sent while the tool runs; the last one races the result (see the ignored test below).
    assert!(
        r.stderr.contains("[info] Tool execution started\n"),
        "{:?}",
        r.stderr
    );
    assert!(
        r.stderr.contains("[info] Tool processing data\n"),
        "{:?}",
        r.stderr
    );
    assert!(!r.stdout.contains("Tool execution started"), "{}", r.stdout);
}

#[test]
fn every_log_message_is_printed_before_exit() {
    let e = example("everything");
    for _ in 0..5 {
        let r = cli(&["call", &e, "test_tool_with_logging", "--protocol", "legacy"]);
        r.expect_code(0);
        assert!(
            r.stderr.contains("[info] Tool execution completed"),
            "{:?}",
            r.stderr
        );
    }
}

#[test]
fn logs_reach_stderr_in_the_modern_era() {
    let e = example("everything");
    let r = cli(&["call", &e, "test_tool_with_logging", "--protocol", "modern"]);
    r.expect_code(0);
    assert!(
        r.stderr.contains("[info] Tool execution started"),
        "{:?}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------
// Environment and named targets
// ---------------------------------------------------------------------------

/// A command that runs the quickstart only when `MCP_CLI_TEST=yes` is in its
/// environment (and says so on stderr otherwise).
fn env_gated_quickstart() -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        r#"if [ "$MCP_CLI_TEST" = yes ]; then exec "$0"; fi; echo "MCP_CLI_TEST is '$MCP_CLI_TEST'" >&2; exit 9"#.into(),
        example("quickstart"),
    ]
}

#[test]
fn env_flags_reach_command_targets() {
    let gated = env_gated_quickstart();
    let mut args = vec![
        "call",
        "--timeout",
        "5s",
        "add",
        "a=1",
        "b=2",
        "-e",
        "MCP_CLI_TEST=yes",
        "--",
    ];
    args.extend(gated.iter().map(String::as_str));
    assert_eq!(cli(&args).expect_code(0).text(), "3");
    let mut args = vec![
        "call",
        "--timeout",
        "5s",
        "add",
        "a=1",
        "b=2",
        "--env",
        "MCP_CLI_TEST=no",
        "--",
    ];
    args.extend(gated.iter().map(String::as_str));
    let r = cli(&args);
    r.expect_code(3);
    assert!(r.stderr.contains("MCP_CLI_TEST is 'no'"), "{}", r.stderr);
    let r = cli(&["call", "-e", "NOVALUE", "add", "--", "true"]);
    r.expect_code(2);
    assert!(r.stderr.contains("KEY=VALUE"), "{}", r.stderr);
}

#[test]
fn servers_by_name_from_a_config_file() {
    let q = example("quickstart");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".mcp.json"),
        json!({"mcpServers": {"calc": {"command": q}}}).to_string(),
    )
    .expect("write .mcp.json");
    let r = cli_in(Some(dir.path()), &["call", "calc", "add", "a=1", "b=2"]);
    assert_eq!(r.expect_code(0).text(), "3");
    let v = cli_in(Some(dir.path()), &["list", "calc", "prompts"])
        .expect_code(0)
        .json();
    assert_eq!(names(&v["prompts"], "name"), ["review"]);

    // --config FILE from another directory; the entry's args and env are used.
    let gated = env_gated_quickstart();
    let file = dir.path().join("servers.json");
    std::fs::write(
        &file,
        json!({"mcpServers": {"gated": {"command": gated[0], "args": gated[1..], "env": {"MCP_CLI_TEST": "yes"}}}})
            .to_string(),
    )
    .expect("write servers.json");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let config = file.to_string_lossy().into_owned();
    let r = cli_in(
        Some(elsewhere.path()),
        &["call", "gated", "add", "a=2", "b=2", "--config", &config],
    );
    assert_eq!(r.expect_code(0).text(), "4");
    // A flag on the command line wins over the file's env.
    let r = cli_in(
        Some(elsewhere.path()),
        &[
            "call",
            "gated",
            "add",
            "a=2",
            "b=2",
            "--config",
            &config,
            "-e",
            "MCP_CLI_TEST=no",
            "--timeout",
            "5s",
        ],
    );
    r.expect_code(3);
    let r = cli_in(
        Some(elsewhere.path()),
        &["call", "nobody", "add", "--config", &config],
    );
    r.expect_code(2);
    assert!(r.stderr.contains("no server named `nobody`"), "{}", r.stderr);

    // VS Code's shape, in .vscode/mcp.json.
    let vscode = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(vscode.path().join(".vscode")).expect("mkdir");
    std::fs::write(
        vscode.path().join(".vscode/mcp.json"),
        json!({"servers": {"calc": {"type": "stdio", "command": q}}}).to_string(),
    )
    .expect("write");
    let r = cli_in(Some(vscode.path()), &["read", "calc", "config://app"]);
    r.expect_code(0);
}

#[test]
fn a_broken_config_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".mcp.json"), "not json").expect("write");
    let r = cli_in(Some(dir.path()), &["call", "calc", "add"]);
    assert_ne!(r.code, Some(0));
    assert!(
        r.stderr.contains(".mcp.json is not an MCP config file"),
        "{}",
        r.stderr
    );
    let missing = dir.path().join("missing.json").to_string_lossy().into_owned();
    let r = cli(&["call", "calc", "add", "--config", &missing]);
    assert_ne!(r.code, Some(0));
    assert!(r.stderr.contains("cannot read the config file"), "{}", r.stderr);
}

#[test]
fn a_broken_config_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".mcp.json"), "not json").expect("write");
    cli_in(Some(dir.path()), &["call", "calc", "add"]).expect_code(2);
    let missing = dir.path().join("missing.json").to_string_lossy().into_owned();
    cli(&["call", "calc", "add", "--config", &missing]).expect_code(2);
}

// ---------------------------------------------------------------------------
// Completions and help
// ---------------------------------------------------------------------------

#[test]
fn completions_print_a_script() {
    let r = cli(&["completions", "bash"]);
    r.expect_code(0);
    assert!(
        r.stdout.contains("_mcp__serve()"),
        "{}",
        &r.stdout[..r.stdout.len().min(500)]
    );
    assert!(
        r.stdout.contains("complete -F _mcp__serve"),
        "bash completion registers itself"
    );
    for sub in ["list", "call", "read", "prompt", "proxy"] {
        assert!(r.stdout.contains(sub), "`{sub}` is not completed");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let r = cli(&["completions", shell]);
        assert!(r.expect_code(0).stdout.contains("mcp-serve"), "{shell}");
    }
    cli(&["completions", "tcsh"]).expect_code(2);
}

#[test]
fn every_subcommand_has_help() {
    let r = cli(&["--help"]);
    r.expect_code(0);
    for sub in [
        "dev",
        "list",
        "call",
        "read",
        "prompt",
        "install",
        "proxy",
        "openapi",
        "completions",
    ] {
        assert!(
            r.stdout.contains(sub),
            "`{sub}` missing from --help:\n{}",
            r.stdout
        );
        let h = cli(&[sub, "--help"]);
        h.expect_code(0);
        assert!(
            h.stdout.contains(&format!("Usage: mcp-serve {sub}")),
            "{sub} --help:\n{}",
            h.stdout
        );
        let h = cli(&["help", sub]);
        h.expect_code(0);
    }
    let h = cli(&["call", "--help"]);
    assert!(h.stdout.contains("Exit codes"), "{}", h.stdout);
    assert!(h.stdout.contains("--protocol"), "{}", h.stdout);
    let v = cli(&["--version"]);
    assert!(v.expect_code(0).stdout.starts_with("mcp-serve "), "{}", v.stdout);
    cli(&["no-such-command"]).expect_code(2);
}

// ---------------------------------------------------------------------------
// HTTP targets
// ---------------------------------------------------------------------------

#[test]
fn http_targets_in_both_eras_and_over_sse() {
    let q = example("quickstart");
    let port = free_port();
    let _server = start_http(&q, &["--http", &format!("127.0.0.1:{port}")], port);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let r = cli(&["call", &url, "add", "a=2", "b=3"]);
    let v = r.expect_code(0).json();
    assert_eq!(v["content"][0]["text"], "5");
    assert_eq!(
        v["resultType"], "complete",
        "auto over HTTP is modern with our server: {v}"
    );
    let v = cli(&["call", &url, "add", "a=2", "b=3", "--protocol", "legacy"])
        .expect_code(0)
        .json();
    assert_eq!(v["content"][0]["text"], "5");
    assert!(v.get("resultType").is_none(), "{v}");
    let v = cli(&["list", &url]).expect_code(0).json();
    assert_eq!(names(&v["tools"], "name"), ["add", "divide", "greet", "stats"]);
    let v = cli(&["read", &url, "users://1/profile", "--protocol", "legacy"])
        .expect_code(0)
        .json();
    assert!(
        v["contents"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Ada Lovelace"),
        "{v}"
    );
    let v = cli(&["prompt", &url, "review", "code=x"]).expect_code(0).json();
    assert_eq!(
        v["messages"][0]["content"]["text"],
        "Please review this code:\n\nx"
    );
    cli(&["call", &url, "divide", "a=1", "b=0"]).expect_code(1);
    cli(&["call", &url, "nope"]).expect_code(4);

    // The 2024-11-05 HTTP+SSE transport: by the path, or by --sse.
    let sse = format!("http://127.0.0.1:{port}/sse");
    let v = cli(&["call", &sse, "add", "a=1", "b=1"]).expect_code(0).json();
    assert_eq!(v["content"][0]["text"], "2");
    assert!(v.get("resultType").is_none(), "{v}");
    let v = cli(&[
        "call",
        "--sse",
        &sse,
        "greet",
        "name=Ada",
        "--protocol",
        "2024-11-05",
    ])
    .expect_code(0)
    .json();
    assert_eq!(v["content"][0]["text"], "Hello, Ada!");

    // A name in a config file can be a URL.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".mcp.json"),
        json!({"mcpServers": {"web": {"type": "http", "url": url}}}).to_string(),
    )
    .expect("write");
    let r = cli_in(Some(dir.path()), &["call", "web", "add", "a=5", "b=5"]);
    assert_eq!(r.expect_code(0).text(), "10");
}

#[test]
fn http_target_errors() {
    // Nothing listens on this port.
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let r = cli(&["list", &url, "--timeout", "3s"]);
    r.expect_code(3);
    assert!(r.stderr.contains(&url), "{}", r.stderr);
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);

    // A server that is not MCP: a 404 for every request.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (seen_tx, seen_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten().take(20) {
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let _ = seen_tx.send(head);
            let mut stream = reader.into_inner();
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found",
            );
        }
    });
    let url = format!("http://127.0.0.1:{port}/mcp");
    let r = cli(&["list", &url, "--timeout", "3s", "-H", "X-Cli-Test: hello there"]);
    assert!(matches!(r.code, Some(3 | 4)), "exit {:?}: {}", r.code, r.stderr);
    assert!(r.took < Duration::from_secs(10), "took {:?}", r.took);
    let head = seen_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the CLI sent a request");
    assert!(
        head.to_ascii_lowercase().contains("x-cli-test: hello there"),
        "the -H header was not sent:\n{head}"
    );
}

// ---------------------------------------------------------------------------
// proxy
// ---------------------------------------------------------------------------

/// One JSON-RPC POST to a Streamable HTTP endpoint; the response's JSON-RPC
/// message (from a JSON body or an SSE stream) and its session id.
pub(super) async fn post(
    http: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (reqwest::StatusCode, Option<String>, Option<Value>) {
    let mut req = http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .json(&body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = tokio::time::timeout(Duration::from_secs(20), req.send())
        .await
        .expect("the proxy answers in time")
        .expect("POST");
    let status = resp.status();
    let session = resp
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_sse = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream"));
    let text = tokio::time::timeout(Duration::from_secs(20), resp.text())
        .await
        .expect("the body arrives in time")
        .expect("body");
    let message = if is_sse {
        text.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|m| m.get("id").is_some())
    } else if text.trim().is_empty() {
        None
    } else {
        Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
    };
    (status, session, message)
}

pub(super) fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "cli-tests", "version": "1"}
    })
}

#[test]
fn proxy_serves_a_stdio_server_over_http() {
    let q = example("quickstart");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _proxy = start_http(BIN, &["proxy", "--http", &addr, "--", &q], port);
    let url = format!("http://{addr}/mcp");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::new();
        // Legacy: initialize, initialized, tools/call in the session.
        let (status, session, init) = post(
            &http,
            &url,
            &[],
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "cli-tests", "version": "1"}}}),
        )
        .await;
        assert!(status.is_success(), "{status}");
        let init = init.expect("an initialize result");
        assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
        assert_eq!(init["result"]["serverInfo"]["name"], "quickstart", "{init}");
        let session = session.expect("a session id");
        let legacy = [
            ("mcp-session-id", session.as_str()),
            ("mcp-protocol-version", "2025-11-25"),
        ];
        let (status, _, _) = post(
            &http,
            &url,
            &legacy,
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        )
        .await;
        assert!(status.is_success(), "{status}");
        let (_, _, call) = post(
            &http,
            &url,
            &legacy,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                   "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}),
        )
        .await;
        let call = call.expect("a tools/call response");
        assert_eq!(call["result"]["content"][0]["text"], "5", "{call}");

        // Modern: one self-contained request, no session.
        let (status, _, call) = post(
            &http,
            &url,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "add"),
            ],
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                   "params": {"name": "add", "arguments": {"a": 20, "b": 22}, "_meta": modern_meta()}}),
        )
        .await;
        assert!(status.is_success(), "{status}");
        let call = call.expect("a tools/call response");
        assert_eq!(call["result"]["content"][0]["text"], "42", "{call}");
        assert_eq!(call["result"]["resultType"], "complete", "{call}");
    });

    // The CLI itself against the proxy.
    let r = cli(&["call", &url, "add", "a=2", "b=3"]);
    assert_eq!(r.expect_code(0).text(), "5");
    let v = cli(&["call", &url, "add", "a=2", "b=3", "--protocol", "legacy"])
        .expect_code(0)
        .json();
    assert_eq!(v["content"][0]["text"], "5");
    let v = cli(&["list", &format!("http://{addr}/sse"), "tools"])
        .expect_code(0)
        .json();
    assert_eq!(names(&v["tools"], "name"), ["add", "divide", "greet", "stats"]);
}

#[test]
fn proxy_results_fit_the_clients_era() {
    let q = example("quickstart");
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "cli-tests", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}),
    ];
    let responses = stdio_exchange(&["proxy", "--", &q], &lines, 2);
    assert!(
        responses[1]["result"].get("resultType").is_none(),
        "{}",
        responses[1]
    );
}

/// Runs `mcp-serve ARGS`, writes `lines` to its stdin one by one, and collects
/// `expect` responses (messages with an id) from its stdout; then closes stdin
/// and checks that it exits 0.
fn stdio_exchange(args: &[&str], lines: &[Value], expect: usize) -> Vec<Value> {
    let child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mcp-serve proxy");
    let mut guard = Guard(child);
    let mut stdin = guard.0.stdin.take().expect("stdin");
    let stdout = guard.0.stdout.take().expect("stdout");
    let stderr = read_all(guard.0.stderr.take());
    let (tx, rx) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                if v.get("id").is_some() && tx.send(v).is_err() {
                    break;
                }
            }
        }
    });
    let mut responses = Vec::new();
    for line in lines {
        writeln!(stdin, "{line}").expect("write to the proxy");
        stdin.flush().expect("flush");
        if line.get("id").is_some() {
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok(v) => responses.push(v),
                Err(_) => {
                    let _ = guard.0.kill();
                    let err = stderr.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                    panic!("no response to {line} within 20s; stderr:\n{err}");
                }
            }
        }
    }
    assert_eq!(responses.len(), expect, "{responses:?}");
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = guard.0.try_wait().expect("wait") {
            assert!(
                status.success(),
                "the proxy exited with {status} when its stdin closed"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the proxy did not exit after its stdin closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    responses
}

#[test]
fn proxy_serves_a_server_over_stdio() {
    let q = example("quickstart");
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "cli-tests", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": "users://1/profile"}}),
    ];
    let r = stdio_exchange(&["proxy", "--", &q], &lines, 3);
    assert_eq!(r[0]["result"]["protocolVersion"], "2025-06-18", "{}", r[0]);
    assert_eq!(r[0]["result"]["serverInfo"]["name"], "quickstart", "{}", r[0]);
    assert_eq!(r[1]["result"]["content"][0]["text"], "5", "{}", r[1]);
    assert!(
        r[2]["result"]["contents"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Ada Lovelace"),
        "{}",
        r[2]
    );

    // Modern requests on the same front.
    let lines = [json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "greet", "arguments": {"name": "Ada"}, "_meta": modern_meta()}})];
    let r = stdio_exchange(&["proxy", "--", &q], &lines, 1);
    assert_eq!(r[0]["result"]["content"][0]["text"], "Hello, Ada!", "{}", r[0]);
    assert_eq!(r[0]["result"]["resultType"], "complete", "{}", r[0]);
}

#[test]
fn proxy_brings_an_http_server_to_stdio() {
    let q = example("quickstart");
    let port = free_port();
    let _server = start_http(&q, &["--http", &format!("127.0.0.1:{port}")], port);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "cli-tests", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "prompts/get",
               "params": {"name": "review", "arguments": {"code": "x"}}}),
    ];
    let r = stdio_exchange(&["proxy", &url], &lines, 3);
    assert_eq!(r[0]["result"]["serverInfo"]["name"], "quickstart", "{}", r[0]);
    assert_eq!(r[1]["result"]["content"][0]["text"], "5", "{}", r[1]);
    assert_eq!(
        r[2]["result"]["messages"][0]["content"]["text"], "Please review this code:\n\nx",
        "{}",
        r[2]
    );
}

#[test]
fn proxy_mistakes() {
    let q = example("quickstart");
    let r = cli(&["proxy", "--http", "not-an-address", "--", &q]);
    r.expect_code(2);
    assert!(r.stderr.contains("is not an address"), "{}", r.stderr);
    let r = cli(&["proxy", &q, "extra"]);
    r.expect_code(2);
    assert!(r.stderr.contains("unexpected arguments"), "{}", r.stderr);
    let r = cli(&["proxy", "--timeout", "3s", "--", "true"]);
    r.expect_code(3);
}

/// examples/unix_socket.rs: a transport built outside the crate from the
/// engine's public API, driven by the CLI's client in both eras through its
/// stdin/stdout bridge.
#[test]
fn a_transport_written_outside_the_crate_serves_both_eras() {
    let program = example("unix_socket");
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("mcp.sock");
    let socket = socket.to_str().expect("utf-8 path");
    let child = Command::new(&program)
        .args(["serve", socket])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the unix_socket example");
    let _server = Guard(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::os::unix::net::UnixStream::connect(socket).is_err() {
        assert!(
            Instant::now() < deadline,
            "the example did not listen on {socket}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    for protocol in ["modern", "2025-11-25"] {
        let bridge = ["--protocol", protocol, "--", &program, "connect", socket];
        let add = cli(&[&["call", "add", "a=2", "b=3"][..], &bridge[..]].concat());
        assert_eq!(add.expect_code(0).text(), "5", "{protocol}");
        let count = cli(&[&["call", "count", "n=3"][..], &bridge[..]].concat());
        assert_eq!(count.expect_code(0).text(), "counted to 3", "{protocol}");
        let tools = cli(&[&["list", "tools"][..], &bridge[..]].concat())
            .expect_code(0)
            .json();
        assert_eq!(names(&tools["tools"], "name"), ["add", "count"], "{protocol}");
    }
}

/// The Petstore v3 document kept as a fixture (Apache-2.0).
const PETSTORE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/openapi/petstore.yaml"
);

#[test]
fn openapi_serves_a_document_as_tools_resources_and_templates() {
    let v = cli(&[
        "list",
        "--",
        BIN,
        "openapi",
        PETSTORE,
        "--resources",
        "--exclude-tag",
        "user",
        "--rename",
        "getPetById=pet",
    ])
    .expect_code(0)
    .json();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(names(&v["tools"], "name")),
        [
            "addPet",
            "deleteOrder",
            "deletePet",
            "placeOrder",
            "updatePet",
            "updatePetWithForm",
            "uploadFile"
        ]
    );
    assert_eq!(
        sorted(names(&v["resourceTemplates"], "uriTemplate")),
        ["openapi://pet/{petId}", "openapi://store/order/{orderId}"]
    );
    assert_eq!(
        sorted(names(&v["resources"], "uri")),
        [
            "openapi://pet/findByStatus",
            "openapi://pet/findByTags",
            "openapi://store/inventory"
        ]
    );
    assert!(names(&v["resourceTemplates"], "name").contains(&"pet".to_owned()));
    // The document's server is not there: a call is a tool error that says so.
    let port = free_port().to_string();
    let base = format!("http://127.0.0.1:{port}/api/v3");
    let r = cli(&[
        "call",
        "deletePet",
        "petId=1",
        "--",
        BIN,
        "openapi",
        PETSTORE,
        "--base-url",
        &base,
    ]);
    r.expect_code(1);
    assert!(r.text().contains("cannot connect to the API"), "{}", r.stdout);
}

#[test]
fn openapi_mistakes_say_what_to_do() {
    let r = cli(&[
        "openapi",
        PETSTORE,
        "--api-key-env",
        "MCP_SERVE_TEST_UNSET_VARIABLE",
    ]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("MCP_SERVE_TEST_UNSET_VARIABLE is not set"),
        "{}",
        r.stderr
    );
    let r = cli(&["openapi", "/no/such/openapi.yaml"]);
    r.expect_code(3);
    assert!(r.stderr.contains("/no/such/openapi.yaml"), "{}", r.stderr);
    let r = cli(&["openapi", PETSTORE, "--header", "no colon"]);
    r.expect_code(2);
    assert!(r.stderr.contains("Name: value"), "{}", r.stderr);
}
