//! `mcp-serve dev` run as a user would: the built binary with `--no-open
//! --port 0` in front of the quickstart and interactive examples of the
//! `mcp-serve` crate, driven through the inspector's HTTP API on 127.0.0.1
//! (the page itself is driven by `scripts/inspector-test.sh`).
//!
//! Every inspector a test starts is killed when the test ends, and every wait
//! is bounded. The examples are built with `cargo build -p mcp-serve
//! --examples` into this test's target directory when they are missing.

#![allow(missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-serve");

/// The longest any single wait in these tests may take (a hang is a bug).
const LIMIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------
// The example servers
// ---------------------------------------------------------------------------

/// The example servers, built once per test run (shared with the `cli` tests).
use super::cli::example;

// ---------------------------------------------------------------------------
// One inspector
// ---------------------------------------------------------------------------

/// A running `mcp-serve dev`; killed on drop.
struct Dev {
    child: Child,
    base: String,
    port: u16,
    token: String,
    http: reqwest::Client,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Drop for Dev {
    fn drop(&mut self) {
        // SIGTERM first, as a user's Ctrl-C would: the inspector stops its
        // server and removes its files; SIGKILL if it does not end in time.
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Dev {
    /// Starts `mcp-serve dev --no-open --port 0 ARGS` and reads the URL it prints.
    fn start(args: &[&str]) -> Dev {
        let mut child = Command::new(BIN)
            .args(["dev", "--no-open", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mcp-serve starts");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let pipe = child.stderr.take().expect("stderr is piped");
        let lines = Arc::clone(&stderr);
        // Keep reading for the whole run: the server's own stderr comes through here too.
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("mcp-serve dev: inspector at ") {
                    let _ = tx.send(url.to_owned());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let url = match rx.recv_timeout(LIMIT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("no inspector URL on stderr: {:?}", stderr.lock().unwrap());
            }
        };
        let (base, token) = url.split_once("/#token=").expect("the URL carries the token");
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let port = base.rsplit(':').next().unwrap().parse().unwrap();
        Dev {
            child,
            base: base.to_owned(),
            port,
            token: token.to_owned(),
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(LIMIT)
                .build()
                .unwrap(),
            stderr,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.expect("the inspector answers");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self
            .send(
                self.http
                    .get(format!("{}{path}", self.base))
                    .header("x-inspector-token", &self.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("x-inspector-token", &self.token)
                .json(&body),
        )
        .await
    }

    /// Polls the state until `done` says so.
    async fn wait_state(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let state = self.get("/api/state").await;
            if done(&state) {
                return state;
            }
            assert!(
                started.elapsed() < LIMIT,
                "never {what}; last state {state:#}\nstderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn connected(&self) -> Value {
        self.wait_state("connected", |s| s["phase"]["name"] == "connected")
            .await
    }

    /// The first input the server is waiting for.
    async fn pending_input(&self) -> Value {
        let started = Instant::now();
        loop {
            let inputs = self.get("/api/inputs").await;
            if let Some(first) = inputs["inputs"].get(0) {
                return first.clone();
            }
            assert!(started.elapsed() < LIMIT, "no input request arrived");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn text(result: &Value) -> &str {
    result["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text content in {result:#}"))
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_api_needs_the_token_the_right_host_and_no_foreign_origin() {
    let dev = Dev::start(&["--", &example("quickstart")]);
    let url = format!("{}/api/state", dev.base);

    let (status, _) = dev.send(dev.http.get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no token");
    let (status, _) = dev
        .send(dev.http.get(&url).header("x-inspector-token", "0123"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a wrong token");

    let with_token = || dev.http.get(&url).header("x-inspector-token", &dev.token);
    let (status, _) = dev
        .send(with_token().header("host", format!("evil.example:{}", dev.port)))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "DNS rebinding: a foreign Host");
    let (status, _) = dev
        .send(with_token().header("origin", "https://evil.example"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "CSRF: a foreign Origin");
    let (status, _) = dev
        .send(
            dev.http
                .post(format!("{}/api/restart", dev.base))
                .header("x-inspector-token", &dev.token)
                .header("origin", "http://evil.example"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a cross-site POST");

    let (status, _) = dev
        .send(with_token().header("origin", format!("http://127.0.0.1:{}", dev.port)))
        .await;
    assert_eq!(status, StatusCode::OK, "the page's own origin");
    let (status, _) = dev
        .send(with_token().header("host", format!("localhost:{}", dev.port)))
        .await;
    assert_eq!(status, StatusCode::OK, "localhost");

    // The page loads without the token (it reads it from the fragment), with a strict CSP.
    let res = dev.http.get(format!("{}/", dev.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(res.text().await.unwrap().contains("/assets/app.js"));
    let res = dev
        .http
        .get(format!("{}/assets/forms.js", dev.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = dev
        .http
        .get(format!("{}/", dev.base))
        .header("host", format!("evil.example:{}", dev.port))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "the page checks the Host too"
    );
}

#[tokio::test]
async fn tools_are_listed_and_called_and_the_history_has_the_raw_frames() {
    let dev = Dev::start(&["--", &example("quickstart")]);
    let state = dev.connected().await;
    assert_eq!(state["server"]["name"], "quickstart");
    assert!(["modern", "legacy"].contains(&state["server"]["era"].as_str().unwrap()));
    assert!(
        state["server"]["instructions"]
            .as_str()
            .unwrap()
            .contains("demo server")
    );
    assert!(state["server"]["capabilities"]["tools"].is_object());
    assert!(state["roots"][0]["uri"].as_str().unwrap().starts_with("file:///"));

    let tools = dev.get("/api/tools").await;
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"add") && names.contains(&"stats"), "{names:?}");

    let (status, r) = dev
        .post(
            "/api/tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 3}, "callId": "t-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["ok"], true);
    assert_eq!(r["callId"], "t-1");
    assert_eq!(text(&r), "5");

    // A JSON-RPC error is the server's answer, not the inspector's failure.
    let (status, r) = dev
        .post(
            "/api/tools/call",
            json!({"name": "no_such_tool", "arguments": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["ok"], false);
    assert_eq!(r["error"]["kind"], "rpc");

    let (_, r) = dev
        .post("/api/resources/read", json!({"uri": "users://3/profile"}))
        .await;
    assert!(
        r["result"]["contents"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Grace Hopper"),
        "{r}"
    );
    let (_, r) = dev
        .post(
            "/api/prompts/get",
            json!({"name": "review", "arguments": {"code": "x = 1"}}),
        )
        .await;
    assert!(
        r["result"]["messages"][0]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("x = 1")
    );

    let history = dev.get("/api/history").await;
    let frames = history["frames"].as_array().unwrap();
    let sent = frames
        .iter()
        .find(|f| f["dir"] == "sent" && f["message"]["params"]["name"] == "add")
        .expect("the tools/call frame was recorded");
    assert_eq!(sent["message"]["method"], "tools/call");
    // The call id travels as the progress token (and names the call to cancel).
    assert_eq!(sent["message"]["params"]["_meta"]["progressToken"], "t-1");
    let id = &sent["message"]["id"];
    assert!(
        frames.iter().any(|f| f["dir"] == "received"
            && f["message"]["id"] == *id
            && f["message"]["result"].is_object()),
        "the response frame was recorded"
    );
    let seqs: Vec<u64> = frames.iter().map(|f| f["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "newest last");
    let filtered = dev.get("/api/history?q=no_such_tool&dir=sent").await;
    assert_eq!(filtered["frames"].as_array().unwrap().len(), 1, "{filtered:#}");

    // Bad input gets a clear error.
    let (status, r) = dev
        .post("/api/tools/call", json!({"name": "add", "arguments": [1]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{r}");
    let (status, r) = dev
        .post(
            "/api/tools/call",
            json!({"name": "add", "callId": "bad id with spaces"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{r}");
    let (status, _) = dev.post("/api/inputs/999", json!({"result": {}})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Answers `pick_color`'s elicitation through the API, in the given era.
async fn pick_color(protocol: &str) {
    let dev = Dev::start(&["--protocol", protocol, "--", &example("interactive")]);
    let state = dev.connected().await;
    let era = state["server"]["era"].as_str().unwrap().to_owned();
    assert_eq!(era == "modern", protocol == "modern", "{state:#}");

    let call = {
        let http = dev.http.clone();
        let url = format!("{}/api/tools/call", dev.base);
        let token = dev.token.clone();
        tokio::spawn(async move {
            http.post(url)
                .header("x-inspector-token", token)
                .json(&json!({"name": "pick_color", "arguments": {}}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    let input = dev.pending_input().await;
    assert_eq!(input["method"], "elicitation/create");
    assert_eq!(input["params"]["message"], "Pick a colour");
    assert_eq!(
        input["params"]["requestedSchema"]["properties"]["color"]["enum"],
        json!(["red", "green", "blue"])
    );
    let id = input["id"].as_u64().unwrap();
    let (status, r) = dev
        .post(
            &format!("/api/inputs/{id}"),
            json!({"result": {"action": "accept", "content": {"color": "blue"}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let r = tokio::time::timeout(LIMIT, call).await.unwrap().unwrap();
    assert_eq!(text(&r), "You picked blue.", "{r:#}");
    assert!(
        dev.get("/api/inputs").await["inputs"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The question and the answer are in the history, whichever way this era carries them.
    let history = dev.get("/api/history?q=Pick%20a%20colour").await;
    assert!(!history["frames"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_elicitation_is_answered_through_the_api_modern() {
    pick_color("modern").await;
}

#[tokio::test]
async fn an_elicitation_is_answered_through_the_api_legacy() {
    pick_color("2025-11-25").await;
}

/// Frames in the history whose text contains `q`, received from the server.
async fn received(dev: &Dev, q: &str) -> usize {
    let path = format!("/api/history?dir=received&q={}", q.replace('/', "%2F"));
    dev.get(&path).await["frames"].as_array().unwrap().len()
}

/// Waits until the history has more than `before` received frames matching `q`.
async fn hear(dev: &Dev, q: &str, before: usize) {
    let started = Instant::now();
    while received(dev, q).await <= before {
        assert!(
            started.elapsed() < LIMIT,
            "never heard {q}\nstderr:\n{}",
            dev.stderr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Subscribes to the everything server's watched resource through the API,
/// triggers an update, and unsubscribes, in the given era.
async fn watch_a_resource(protocol: &str) {
    const URI: &str = "test://watched-resource";
    let dev = Dev::start(&["--protocol", protocol, "--", &example("everything")]);
    let state = dev.connected().await;
    assert_eq!(state["subscriptions"], json!([]));

    let (status, r) = dev.post("/api/resources/subscribe", json!({ "uri": URI })).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    dev.wait_state("subscribed", |s| s["subscriptions"] == json!([URI]))
        .await;
    let (status, r) = dev
        .post(
            "/api/tools/call",
            json!({"name": "test_trigger_resource_update", "arguments": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    hear(&dev, "notifications/resources/updated", 0).await;
    let (_, read) = dev.post("/api/resources/read", json!({ "uri": URI })).await;
    assert!(
        read["result"]["contents"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("(update"),
        "{read:#}"
    );

    // Unsubscribing ends it on the server: resources/unsubscribe on a legacy
    // session, the listen request cancelled in the modern era.
    let (status, r) = dev
        .post("/api/resources/unsubscribe", json!({ "uri": URI }))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let state = dev.get("/api/state").await;
    assert_eq!(state["subscriptions"], json!([]));
    let (status, _) = dev
        .post("/api/resources/unsubscribe", json!({ "uri": URI }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ended = if protocol == "modern" {
        "notifications/cancelled"
    } else {
        "resources/unsubscribe"
    };
    let started = Instant::now();
    loop {
        let sent = dev
            .get(&format!("/api/history?dir=sent&q={}", ended.replace('/', "%2F")))
            .await;
        if !sent["frames"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(started.elapsed() < LIMIT, "the inspector never sent {ended}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // List changes reach the inspector in both eras (modern: its own listen stream).
    let before = received(&dev, "notifications/tools/list_changed").await;
    let (status, r) = dev
        .post(
            "/api/tools/call",
            json!({"name": "test_trigger_tool_change", "arguments": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    hear(&dev, "notifications/tools/list_changed", before).await;
}

#[tokio::test]
async fn a_resource_is_watched_and_lists_stay_current_modern() {
    watch_a_resource("modern").await;
}

#[tokio::test]
async fn a_resource_is_watched_and_lists_stay_current_legacy() {
    watch_a_resource("2025-11-25").await;
}

#[tokio::test]
async fn sampling_and_roots_are_answered_and_a_long_call_is_cancelled() {
    let dev = Dev::start(&["--", &example("interactive")]);
    dev.connected().await;
    let (status, _) = dev
        .send(
            dev.http
                .put(format!("{}/api/roots", dev.base))
                .header("x-inspector-token", &dev.token)
                .json(&json!({"roots": [{"uri": "file:///srv/trips", "name": "trips"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let call = {
        let http = dev.http.clone();
        let url = format!("{}/api/tools/call", dev.base);
        let token = dev.token.clone();
        tokio::spawn(async move {
            let body = json!({"name": "book_trip", "arguments": {"traveller": "Ada"}});
            let res = http
                .post(url)
                .header("x-inspector-token", token)
                .json(&body)
                .send()
                .await;
            res.unwrap().json::<Value>().await.unwrap()
        })
    };
    let form = dev.pending_input().await;
    assert_eq!(form["method"], "elicitation/create");
    let answer = json!({"result": {"action": "accept", "content": {"destination": "Kyoto", "nights": 2, "confirm": true}}});
    dev.post(&format!("/api/inputs/{}", form["id"]), answer).await;
    let sampling = loop {
        let next = dev.pending_input().await;
        if next["method"] == "sampling/createMessage" {
            break next;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let reply = json!({"result": {"role": "assistant", "content": {"type": "text", "text": "See the temples."},
        "model": "test", "stopReason": "endTurn"}});
    dev.post(&format!("/api/inputs/{}", sampling["id"]), reply).await;
    let r = tokio::time::timeout(LIMIT, call).await.unwrap().unwrap();
    let t = text(&r);
    assert!(t.contains("Booked 2 nights in Kyoto for Ada"), "{t}");
    assert!(t.contains("See the temples."), "{t}");
    assert!(t.contains("file:///srv/trips"), "the edited roots: {t}");

    // A long task, cancelled while it runs.
    let call = {
        let http = dev.http.clone();
        let url = format!("{}/api/tools/call", dev.base);
        let token = dev.token.clone();
        tokio::spawn(async move {
            let body = json!({"name": "long_task", "arguments": {"seconds": 30}, "callId": "long-1"});
            let res = http
                .post(url)
                .header("x-inspector-token", token)
                .json(&body)
                .send()
                .await;
            res.unwrap().json::<Value>().await.unwrap()
        })
    };
    dev.wait_state("running long-1", |s| s["calls"] == json!(["long-1"]))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, r) = dev.post("/api/calls/long-1/cancel", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let r = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r["error"]["kind"], "cancelled", "{r:#}");
    let cancelled = dev.get("/api/history?q=notifications/cancelled&dir=sent").await;
    assert_eq!(cancelled["frames"].as_array().unwrap().len(), 1, "{cancelled:#}");
    let (status, _) = dev.post("/api/calls/long-1/cancel", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing left to cancel");
}

#[tokio::test]
async fn a_restart_reconnects_and_a_server_that_cannot_start_says_why() {
    let dev = Dev::start(&["--", &example("quickstart")]);
    let first = dev.connected().await;
    let (status, _) = dev.post("/api/restart", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let generation = first["generation"].as_u64().unwrap();
    dev.wait_state("restarted", |s| {
        s["generation"].as_u64() > Some(generation) && s["phase"]["name"] == "connected"
    })
    .await;
    let (_, r) = dev
        .post(
            "/api/tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
        )
        .await;
    assert_eq!(text(&r), "2");
    drop(dev);

    let dev = Dev::start(&["--", "sh", "-c", "echo 'config file missing' >&2; exit 3"]);
    let state = dev.wait_state("failed", |s| s["phase"]["name"] == "failed").await;
    let message = state["phase"]["message"].as_str().unwrap();
    assert!(message.contains("sh -c"), "the command is named: {message}");
    assert_eq!(
        state["phase"]["stderr"],
        json!(["config file missing"]),
        "{state:#}"
    );
    assert!(
        dev.stderr().contains("config file missing"),
        "and on the terminal"
    );
    let (status, r) = dev.post("/api/tools/call", json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r["error"]["kind"], "notConnected");
    drop(dev);

    let dev = Dev::start(&["--", "no-such-mcp-server-program"]);
    let state = dev.wait_state("failed", |s| s["phase"]["name"] == "failed").await;
    assert!(
        state["phase"]["message"]
            .as_str()
            .unwrap()
            .contains("command not found"),
        "{state:#}"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_crashed_server_is_reported_and_restarted() {
    let dev = Dev::start(&["--", &example("quickstart")]);
    dev.connected().await;
    // The server is the inspector's only child process (started by any of its threads).
    let tasks = std::fs::read_dir(format!("/proc/{}/task", dev.child.id())).unwrap();
    let server: u32 = tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| c.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .find_map(|p| p.parse().ok())
        .expect("the server runs as a child");
    Command::new("kill")
        .args(["-9", &server.to_string()])
        .status()
        .unwrap();
    let state = dev.wait_state("exited", |s| s["phase"]["name"] == "exited").await;
    assert!(state["phase"]["message"].as_str().unwrap().contains("exited"));
    dev.post("/api/restart", json!({})).await;
    dev.connected().await;
    let (_, r) = dev
        .post(
            "/api/tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 2}}),
        )
        .await;
    assert_eq!(text(&r), "4");
}

#[test]
fn a_busy_port_and_watch_without_cargo_are_usage_errors() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(BIN)
        .args(["dev", "--no-open", "--port", &port, "--", "true"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("busy") && err.contains("--port"), "{err}");

    let out = Command::new(BIN)
        .args(["dev", "--no-open", "--port", "0", "--watch", "--", "true"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--watch needs a `cargo run"), "{err}");
}
