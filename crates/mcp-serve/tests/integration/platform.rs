//! The process as platforms run it (Cloud Run, Fly.io, Kubernetes): `PORT`,
//! `MCP_SERVE_ALLOWED_HOSTS`, the probes on the pod's address, and SIGTERM
//! with streams open. Drives the quickstart binary.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::timeout;

use super::http::{BOTH, LEGACY, LIMIT, Sse, client, initialize_body, modern_request, send, within};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The quickstart with `env` on top of a clean environment.
async fn quickstart(env: &[(&str, &str)], stdin: Stdio) -> Child {
    let mut cmd = Command::new(super::stdio::quickstart().await);
    for var in [
        "MCP_SERVE_HTTP",
        "MCP_SERVE_ALLOWED_HOSTS",
        "MCP_SERVE_ALLOWED_ORIGINS",
        "MCP_SERVE_RATE_LIMIT",
        "PORT",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("quickstart starts")
}

/// Waits for `child` to exit in failure, and returns what it said.
async fn refusal(child: &mut Child) -> String {
    let status = within("the refusal", child.wait()).await.expect("wait");
    assert!(!status.success(), "refused to start");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .await
        .expect("stderr");
    stderr
}

#[tokio::test]
async fn under_port_without_a_host_policy_it_refuses_to_start_and_says_what_to_set() {
    let port = free_port().to_string();
    let mut child = quickstart(&[("PORT", &port)], Stdio::null()).await;
    let stderr = refusal(&mut child).await;
    assert!(
        stderr.contains(&format!("0.0.0.0:{port}"))
            && stderr.contains("MCP_SERVE_ALLOWED_HOSTS=mcp.example.com"),
        "says where and what to set: {stderr}"
    );
}

#[tokio::test]
async fn port_is_ignored_when_an_mcp_client_talks_over_stdin() {
    let port = free_port().to_string();
    let mut child = quickstart(&[("PORT", &port)], Stdio::piped()).await;
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut init = serde_json::to_vec(&initialize_body(LEGACY)).expect("json");
    init.push(b'\n');
    stdin.write_all(&init).await.expect("write");
    let line = within("the initialize answer", lines.next_line())
        .await
        .expect("read")
        .expect("a line");
    let v: Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(v["result"]["protocolVersion"], LEGACY, "{v}");
    drop(stdin);
    let status = within("exit on EOF", child.wait()).await.expect("wait");
    assert!(status.success());
}

#[tokio::test]
async fn under_port_it_serves_and_stops_on_sigterm_at_once_with_streams_open() {
    let port = free_port();
    let mut child = quickstart(
        &[
            ("PORT", &port.to_string()),
            ("MCP_SERVE_ALLOWED_HOSTS", "localhost,127.0.0.1"),
        ],
        Stdio::null(),
    )
    .await;
    let http = client();
    let base = format!("http://127.0.0.1:{port}");
    // Probes come from the platform, addressed to the pod's IP.
    let mut up = false;
    for _ in 0..200 {
        let probe = http
            .get(format!("{base}/healthz"))
            .header("host", "10.0.0.9:8080");
        if matches!(probe.send().await, Ok(r) if r.status() == StatusCode::OK) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "/healthz answered");
    let ready = send(http.get(format!("{base}/readyz")).header("host", "10.0.0.9")).await;
    assert_eq!(ready.status(), StatusCode::OK);
    let mcp = format!("{base}/mcp");
    let sum = send(modern_request(
        &http,
        &mcp,
        1,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
    ))
    .await;
    assert_eq!(sum.status(), StatusCode::OK);
    let foreign =
        send(modern_request(&http, &mcp, 2, "tools/list", json!({})).header("host", "evil.example")).await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);

    // Streams open: a modern listen stream and a legacy GET stream.
    let listen = send(modern_request(
        &http,
        &mcp,
        3,
        "subscriptions/listen",
        json!({"notifications": {"resourcesListChanged": true}}),
    ))
    .await;
    let mut listen = Sse::new(listen);
    listen.next_message().await;
    let init = send(
        http.post(&mcp)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .json(&initialize_body(LEGACY)),
    )
    .await;
    let sid = init.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let resp = send(
        http.post(&mcp)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .header("mcp-session-id", &sid)
            .header("mcp-protocol-version", LEGACY)
            .json(&note),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let get = send(
        http.get(&mcp)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &sid)
            .header("mcp-protocol-version", LEGACY),
    )
    .await;
    let mut get = Sse::new(get);
    get.next().await.expect("opened");

    let pid = child.id().expect("running").to_string();
    let sent = std::time::Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill");
    assert!(kill.success());
    let (_, done) = listen.next_message().await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(get.next().await.expect("retry").retry, Some(1000));
    let status = timeout(LIMIT, child.wait()).await.expect("exited").expect("wait");
    let took = sent.elapsed();
    println!("SIGTERM to exit with two streams open: {took:?}");
    assert!(status.success(), "exits 0 on SIGTERM, got {status}");
    assert!(
        took < Duration::from_secs(3),
        "streams do not hold the shutdown for the grace period: {took:?}"
    );
}

#[tokio::test]
async fn the_rate_limit_comes_from_the_environment_and_a_bad_one_stops_the_start() {
    let port = free_port();
    let mut child = quickstart(
        &[
            ("MCP_SERVE_HTTP", &format!("127.0.0.1:{port}")),
            ("MCP_SERVE_RATE_LIMIT", "100/min, add=2/h"),
        ],
        Stdio::null(),
    )
    .await;
    let http = client();
    let mcp = format!("http://127.0.0.1:{port}/mcp");
    let mut up = false;
    for _ in 0..200 {
        if matches!(http.get(format!("http://127.0.0.1:{port}/healthz")).send().await, Ok(r) if r.status() == StatusCode::OK)
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "/healthz answered");
    let add = |id| {
        send(modern_request(
            &http,
            &mcp,
            id,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
        ))
    };
    assert_eq!(add(1).await.status(), StatusCode::OK);
    assert_eq!(add(2).await.status(), StatusCode::OK);
    let third = add(3).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key("retry-after"));
    // Other requests have their own, larger budget.
    let list = send(modern_request(&http, &mcp, 4, "tools/list", json!({}))).await;
    assert_eq!(list.status(), StatusCode::OK);
    let _ = child.kill().await;

    let mut child = quickstart(
        &[
            ("MCP_SERVE_HTTP", &format!("127.0.0.1:{}", free_port())),
            ("MCP_SERVE_RATE_LIMIT", "600 per minute"),
        ],
        Stdio::null(),
    )
    .await;
    let stderr = refusal(&mut child).await;
    assert!(
        stderr.contains("MCP_SERVE_RATE_LIMIT") && stderr.contains("COUNT/PERIOD (e.g. 600/min)"),
        "{stderr}"
    );
}
