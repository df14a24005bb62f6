//! Authorization at the HTTP front against a real issuer shape: an
//! authorization server's metadata and JWKS on 127.0.0.1 (axum), ES256
//! tokens signed with the fixture keys, API keys. Every cell of the
//! rejection matrix checks the status and the exact `WWW-Authenticate`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use mcp_serve::auth::{ApiKeys, Auth, JwtVerifier, Principal};
use mcp_serve::prelude::*;
use mcp_serve::tool::Tool;
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::http::{BOTH, MODERN, client, json_body, modern_request, send};

const K1: &[u8] = include_bytes!("../fixtures/auth/k1.pem");
const K2: &[u8] = include_bytes!("../fixtures/auth/k2.pem");

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn public_jwk(pem: &[u8], kid: &str) -> Jwk {
    let key = EncodingKey::from_ec_pem(pem).expect("fixture key");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).expect("jwk");
    jwk.common.key_id = Some(kid.to_owned());
    jwk
}

fn json_response(body: String) -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body)
}

/// An authorization server's discovery document and key set.
struct Issuer {
    url: String,
    keys: Arc<std::sync::Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Issuer {
    async fn start() -> Issuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let keys = Arc::new(std::sync::Mutex::new(vec![public_jwk(K1, "k1")]));
        let fetches = Arc::new(AtomicUsize::new(0));
        let meta = json!({"issuer": url, "jwks_uri": format!("{url}/jwks"),
            "token_endpoint": format!("{url}/token"), "response_types_supported": ["code"]});
        let (k, f) = (Arc::clone(&keys), Arc::clone(&fetches));
        let app = axum::Router::new()
            .route(
                "/.well-known/oauth-authorization-server",
                axum::routing::get(move || {
                    let meta = meta.clone();
                    async move { json_response(meta.to_string()) }
                }),
            )
            .route(
                "/jwks",
                axum::routing::get(move || {
                    f.fetch_add(1, Ordering::SeqCst);
                    let set = JwkSet {
                        keys: k.lock().expect("keys").clone(),
                    };
                    async move { json_response(serde_json::to_string(&set).expect("jwks")) }
                }),
            );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Issuer {
            url,
            keys,
            fetches,
            task,
        }
    }

    /// A token signed by `pem` under `kid`, with `claims` over the defaults.
    fn token(&self, pem: &[u8], kid: &str, resource: &str, claims: Value) -> String {
        let mut body = json!({"iss": self.url, "sub": "alice", "aud": resource, "exp": now() + 300,
            "iat": now(), "client_id": "test-client", "scope": "tools:read"});
        for (k, v) in claims.as_object().expect("object") {
            body[k] = v.clone();
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.to_owned());
        header.typ = Some("at+jwt".into());
        encode(&header, &body, &EncodingKey::from_ec_pem(pem).expect("key")).expect("sign")
    }
}

impl Drop for Issuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A protected MCP server: `whoami` for anyone, `admin_reset` needing
/// `admin`, a prompt needing `prompts`.
struct Protected {
    url: String,
    base: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Protected {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

async fn protected(issuer: &Issuer, verifier: JwtVerifier) -> Protected {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let url = format!("{base}/mcp");
    let whoami = Tool::new("whoami").raw_handler(|_, ctx| async move {
        let p = ctx.principal().expect("a principal on every authorized call");
        Ok(CallToolResult::text(format!(
            "{} {}",
            p.subject,
            p.scopes.join(",")
        )))
    });
    let reset = Tool::new("admin_reset")
        .scopes(["admin"])
        .raw_handler(|_, _| async { Ok(CallToolResult::text("reset")) });
    let handle = Server::new("protected", "1.0.0")
        .tool(whoami)
        .tool(reset)
        .into_handle()
        .expect("fixture");
    let auth = Auth::new(&url)
        .authorization_server(&issuer.url)
        .scopes_supported(["tools:read", "admin"])
        .verifier(verifier)
        .verifier(ApiKeys::new().key("key-ci-123", Principal::new("ci").with_scopes(["admin"])))
        .api_key_header("x-api-key");
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve_listener(&handle, listener, HttpOptions::default().auth(auth), async {
            let _ = rx.await;
        })
        .await;
    });
    Protected {
        url,
        base,
        stop: Some(tx),
    }
}

fn call(srv: &Protected, tool: &str, auth: Option<&str>) -> reqwest::RequestBuilder {
    let rb = modern_request(
        &client(),
        &srv.url,
        1,
        "tools/call",
        json!({"name": tool, "arguments": {}}),
    );
    match auth {
        Some(token) => rb.header("authorization", format!("Bearer {token}")),
        None => rb,
    }
}

fn challenge(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("www-authenticate")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_rejection_matrix() {
    let issuer = Issuer::start().await;
    let srv = protected(&issuer, JwtVerifier::discover(&issuer.url).require_at_jwt()).await;
    let meta = format!(
        "resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
        srv.base
    );
    let refused = |desc: &str| {
        format!(
            "Bearer error=\"invalid_token\", scope=\"tools:read admin\", {meta}, error_description=\"{desc}\""
        )
    };
    let aud = srv.url.clone();
    let cases: Vec<(&str, Option<String>, StatusCode, String)> = vec![
        (
            "no token",
            None,
            StatusCode::UNAUTHORIZED,
            format!("Bearer scope=\"tools:read admin\", {meta}"),
        ),
        (
            "malformed",
            Some("not-a-jwt".into()),
            StatusCode::UNAUTHORIZED,
            refused("malformed token: not a signed JWT"),
        ),
        (
            "wrong signature",
            Some(issuer.token(K2, "k1", &aud, json!({}))),
            StatusCode::UNAUTHORIZED,
            refused("bad signature"),
        ),
        (
            "alg none",
            Some(format!(
                "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.{}.",
                base64url(&json!({"sub": "mallory", "aud": aud, "exp": now() + 300}).to_string())
            )),
            StatusCode::UNAUTHORIZED,
            refused("malformed token: not a signed JWT"),
        ),
        (
            "wrong iss",
            Some(issuer.token(K1, "k1", &aud, json!({"iss": "https://evil.example"}))),
            StatusCode::UNAUTHORIZED,
            refused("token from another issuer (iss)"),
        ),
        (
            "wrong aud",
            Some(issuer.token(K1, "k1", &aud, json!({"aud": "https://other.example/mcp"}))),
            StatusCode::UNAUTHORIZED,
            refused("token is for another resource (aud)"),
        ),
        (
            "expired",
            Some(issuer.token(K1, "k1", &aud, json!({"exp": now() - 120}))),
            StatusCode::UNAUTHORIZED,
            refused("token expired"),
        ),
        (
            "not yet valid",
            Some(issuer.token(K1, "k1", &aud, json!({"nbf": now() + 600}))),
            StatusCode::UNAUTHORIZED,
            refused("token not yet valid (nbf)"),
        ),
        (
            "unknown kid",
            Some(issuer.token(K2, "k2", &aud, json!({}))),
            StatusCode::UNAUTHORIZED,
            refused("unknown signing key (kid)"),
        ),
        (
            "an ID token, not an access token",
            Some({
                let mut header = Header::new(Algorithm::ES256);
                header.kid = Some("k1".into());
                let claims = json!({"iss": issuer.url, "sub": "alice", "aud": aud, "exp": now() + 300});
                encode(&header, &claims, &EncodingKey::from_ec_pem(K1).expect("key")).expect("sign")
            }),
            StatusCode::UNAUTHORIZED,
            refused("not an access token (typ must be at+jwt)"),
        ),
        (
            "unknown API key",
            Some("key-wrong".into()),
            StatusCode::UNAUTHORIZED,
            refused("bad signature"),
        ),
    ];
    for (name, token, status, expected) in &cases {
        let resp = send(call(&srv, "whoami", token.as_deref())).await;
        assert_eq!(resp.status(), *status, "{name}");
        if *name == "unknown API key" {
            // Not a JWT: the first verifier's word is kept, and it is a refusal.
            assert!(
                challenge(&resp).starts_with("Bearer error=\"invalid_token\""),
                "{name}"
            );
            continue;
        }
        assert_eq!(challenge(&resp), *expected, "{name}");
        if token.is_some() {
            let body = json_body(resp).await;
            assert_eq!(body["error"], "invalid_token", "{name}: {body}");
        }
    }

    // A token in the query string is never accepted, even a valid one.
    let good = issuer.token(K1, "k1", &aud, json!({}));
    let resp = send(modern_request(
        &client(),
        &format!("{}?access_token={good}", srv.url),
        1,
        "tools/call",
        json!({"name": "whoami", "arguments": {}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(
        challenge(&resp).starts_with("Bearer error=\"invalid_request\""),
        "{}",
        challenge(&resp)
    );

    // Insufficient scope: 403 naming every scope the operation needs.
    let resp = send(call(&srv, "admin_reset", Some(&good))).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        challenge(&resp),
        format!(
            "Bearer error=\"insufficient_scope\", scope=\"admin\", {meta}, \
             error_description=\"this operation needs the scope(s): admin\""
        )
    );
    // The same tool in a legacy-era batch or with a lying Mcp-Name header
    // is refused too: the scope check reads the body.
    let resp = send(
        modern_request(
            &client(),
            &srv.url,
            1,
            "tools/call",
            json!({"name": "admin_reset", "arguments": {}}),
        )
        .header("mcp-name", "whoami")
        .header("authorization", format!("Bearer {good}")),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

fn base64url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn valid_credentials_reach_the_handler_with_their_principal() {
    let issuer = Issuer::start().await;
    let srv = protected(&issuer, JwtVerifier::discover(&issuer.url)).await;
    let token = issuer.token(K1, "k1", &srv.url, json!({"scope": "tools:read admin"}));
    let resp = send(call(&srv, "whoami", Some(&token))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_body(resp).await;
    assert_eq!(v["result"]["content"][0]["text"], "alice tools:read,admin", "{v}");
    let resp = send(call(&srv, "admin_reset", Some(&token))).await;
    assert_eq!(resp.status(), StatusCode::OK, "the scope is granted");
    // An API key in its header, for scripts.
    let resp = send(call(&srv, "admin_reset", None).header("x-api-key", "key-ci-123")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    // Legacy sessions authenticate every request too.
    let init = send(
        client()
            .post(&srv.url)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .header("authorization", format!("Bearer {token}"))
            .json(&super::http::initialize_body("2025-11-25")),
    )
    .await;
    assert_eq!(init.status(), StatusCode::OK);
    let anonymous = send(
        client()
            .post(&srv.url)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .json(&super::http::initialize_body("2025-11-25")),
    )
    .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // The probes and the metadata need no credential.
    for path in [
        "/healthz",
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let resp = send(client().get(format!("{}{path}", srv.base))).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }
    let meta =
        json_body(send(client().get(format!("{}/.well-known/oauth-protected-resource/mcp", srv.base))).await)
            .await;
    assert_eq!(
        meta,
        json!({
            "resource": srv.url,
            "authorization_servers": [issuer.url],
            "bearer_methods_supported": ["header"],
            "scopes_supported": ["tools:read", "admin"],
        })
    );
    let _ = MODERN;
}

#[tokio::test]
async fn keys_rotate_without_a_restart_and_unknown_kids_do_not_flood_the_issuer() {
    let issuer = Issuer::start().await;
    // Refetch on an unknown kid at most every 30 s (the default).
    let srv = protected(&issuer, JwtVerifier::discover(&issuer.url)).await;
    let k1 = issuer.token(K1, "k1", &srv.url, json!({}));
    assert_eq!(
        send(call(&srv, "whoami", Some(&k1))).await.status(),
        StatusCode::OK
    );
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 1, "the key set is cached");
    let k2 = issuer.token(K2, "k2", &srv.url, json!({}));
    for _ in 0..5 {
        assert_eq!(
            send(call(&srv, "whoami", Some(&k2))).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        issuer.fetches.load(Ordering::SeqCst),
        1,
        "unknown kids are rate-limited"
    );

    // With refetching allowed, a rotated-in key is picked up on first sight.
    let srv = protected(
        &issuer,
        JwtVerifier::discover(&issuer.url).key_cache(Duration::from_secs(600), Duration::ZERO),
    )
    .await;
    let k1 = issuer.token(K1, "k1", &srv.url, json!({}));
    assert_eq!(
        send(call(&srv, "whoami", Some(&k1))).await.status(),
        StatusCode::OK
    );
    issuer.keys.lock().expect("keys").push(public_jwk(K2, "k2"));
    let k2 = issuer.token(K2, "k2", &srv.url, json!({}));
    assert_eq!(
        send(call(&srv, "whoami", Some(&k2))).await.status(),
        StatusCode::OK
    );
    // A retired key keeps working until the cached set's TTL runs out.
    issuer.keys.lock().expect("keys").remove(0);
    let k1_again = issuer.token(K1, "k1", &srv.url, json!({"jti": "x"}));
    assert_eq!(
        send(call(&srv, "whoami", Some(&k1_again))).await.status(),
        StatusCode::OK,
        "still cached: the key set's TTL has not run out"
    );
}

/// An example binary serving HTTP on a free port with `env`; its base URL.
async fn example_on_http(name: &str, env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let child = tokio::process::Command::new(super::stdio::example(name).await)
        .args(["--http", &format!("127.0.0.1:{port}")])
        .envs(env.iter().copied())
        .env_remove("MCP_SERVE_API_KEYS_FILE")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if client().get(format!("{base}/healthz")).send().await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} did not start serving");
}

#[tokio::test]
async fn the_auth_examples_run_as_documented() {
    let issuer = Issuer::start().await;
    let (_jwt, base) = example_on_http("auth_jwt", &[("MCP_SERVE_AUTH_ISSUER", &issuer.url)]).await;
    let url = format!("{base}/mcp");
    let meta =
        json_body(send(client().get(format!("{base}/.well-known/oauth-protected-resource/mcp"))).await).await;
    assert_eq!(
        meta["resource"],
        url.as_str(),
        "the canonical URL is the request's own"
    );
    assert_eq!(meta["authorization_servers"], json!([issuer.url]));
    let call = |tool: &str, token: &str| {
        modern_request(
            &client(),
            &url,
            1,
            "tools/call",
            json!({"name": tool, "arguments": {}}),
        )
        .header("authorization", format!("Bearer {token}"))
    };
    let plain = issuer.token(K1, "k1", &url, json!({}));
    let who = json_body(send(call("whoami", &plain)).await).await;
    assert_eq!(
        who["result"]["content"][0]["text"],
        "alice (client test-client, scopes: tools:read)"
    );
    let denied = send(call("admin_reset", &plain)).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert!(challenge(&denied).contains("scope=\"admin\""));
    let admin = issuer.token(K1, "k1", &url, json!({"scope": "tools:read admin"}));
    assert_eq!(send(call("admin_reset", &admin)).await.status(), StatusCode::OK);

    let (_keys, base) = example_on_http("auth_api_key", &[("MCP_SERVE_API_KEY", "s3cret-key")]).await;
    let url = format!("{base}/mcp");
    let orders = |key: Option<&str>| {
        let rb = modern_request(
            &client(),
            &url,
            1,
            "tools/call",
            json!({"name": "open_orders", "arguments": {"customer": "acme"}}),
        );
        match key {
            Some(k) => rb.header("x-api-key", k),
            None => rb,
        }
    };
    assert_eq!(send(orders(None)).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        send(orders(Some("wrong"))).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let ok = json_body(send(orders(Some("s3cret-key"))).await).await;
    assert_eq!(
        ok["result"]["content"][0]["text"],
        "acme has 2 open orders (asked by api-client)"
    );
}

#[tokio::test]
async fn a_session_belongs_to_the_caller_that_opened_it() {
    let issuer = Issuer::start().await;
    let srv = protected(&issuer, JwtVerifier::discover(&issuer.url)).await;
    let alice = issuer.token(K1, "k1", &srv.url, json!({}));
    let bob = issuer.token(K1, "k1", &srv.url, json!({"sub": "bob"}));
    let post = |token: &str, session: Option<&str>, body: Value| {
        let rb = client()
            .post(&srv.url)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .header("authorization", format!("Bearer {token}"));
        let rb = match session {
            Some(s) => rb
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-11-25"),
            None => rb,
        };
        rb.json(&body)
    };
    let init = send(post(&alice, None, super::http::initialize_body("2025-11-25"))).await;
    let sid = init.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    assert_eq!(
        send(post(&alice, Some(&sid), list.clone())).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        send(post(&bob, Some(&sid), list)).await.status(),
        StatusCode::FORBIDDEN,
        "another subject's token"
    );
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let resp = send(
            client()
                .request(method.clone(), &srv.url)
                .header("accept", "text/event-stream")
                .header("mcp-session-id", &sid)
                .header("mcp-protocol-version", "2025-11-25")
                .header("authorization", format!("Bearer {bob}")),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{method}");
    }
}

/// An introspection endpoint (RFC 7662) on 127.0.0.1: `tokens` maps the
/// active opaque tokens to their answers; it counts its calls and checks
/// the resource server's client credentials.
async fn introspection_endpoint(
    tokens: Arc<std::sync::Mutex<std::collections::HashMap<String, Value>>>,
    calls: Arc<AtomicUsize>,
) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/introspect", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route(
        "/introspect",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            calls.fetch_add(1, Ordering::SeqCst);
            let tokens = Arc::clone(&tokens);
            async move {
                use base64::Engine as _;
                let expected = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode("mcp-rs:rs-secret")
                );
                if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
                    return (axum::http::StatusCode::UNAUTHORIZED, String::new());
                }
                let token = body
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("token="))
                    .unwrap_or_default()
                    .to_owned();
                let answer = tokens
                    .lock()
                    .expect("tokens")
                    .get(&token)
                    .cloned()
                    .unwrap_or_else(|| json!({"active": false}));
                (axum::http::StatusCode::OK, answer.to_string())
            }
        }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test]
async fn opaque_tokens_are_introspected_cached_and_revoked() {
    use mcp_serve::auth::IntrospectionVerifier;
    let tokens = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let (endpoint, task) = introspection_endpoint(Arc::clone(&tokens), Arc::clone(&calls)).await;
    for cache in [Duration::ZERO, Duration::from_secs(60)] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
        let whoami = Tool::new("whoami").raw_handler(|_, ctx| async move {
            Ok(CallToolResult::text(
                ctx.principal().map(|p| p.subject.clone()).unwrap_or_default(),
            ))
        });
        let handle = Server::new("opaque", "1.0.0")
            .tool(whoami)
            .into_handle()
            .expect("fixture");
        let verifier = IntrospectionVerifier::new(&endpoint, "mcp-rs", "rs-secret").cache_for(cache);
        let options = HttpOptions::default().auth(Auth::new(&url).verifier(verifier));
        let server = tokio::spawn(async move {
            let _ = serve_listener(&handle, listener, options, std::future::pending()).await;
        });
        let exp = now() + 600;
        tokens.lock().expect("tokens").insert(
            "opaque-1".into(),
            json!({"active": true, "sub": "carol", "scope": "tools:read", "aud": url, "exp": exp}),
        );
        tokens.lock().expect("tokens").insert(
            "opaque-elsewhere".into(),
            json!({"active": true, "sub": "carol", "aud": "https://other.example/mcp", "exp": exp}),
        );
        let call = |token: &str| {
            modern_request(
                &client(),
                &url,
                1,
                "tools/call",
                json!({"name": "whoami", "arguments": {}}),
            )
            .header("authorization", format!("Bearer {token}"))
        };
        let before = calls.load(Ordering::SeqCst);
        let ok = json_body(send(call("opaque-1")).await).await;
        assert_eq!(ok["result"]["content"][0]["text"], "carol", "{ok}");
        assert_eq!(send(call("opaque-1")).await.status(), StatusCode::OK);
        let asked = calls.load(Ordering::SeqCst) - before;
        assert_eq!(asked, if cache.is_zero() { 2 } else { 1 }, "cached for {cache:?}");
        let other = send(call("opaque-elsewhere")).await;
        assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
        assert!(challenge(&other).contains("token is for another resource (aud)"));
        // Revoked: refused at once without a cache, after the cache time with one.
        tokens.lock().expect("tokens").remove("opaque-1");
        let revoked = send(call("opaque-1")).await;
        if cache.is_zero() {
            assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
            assert!(challenge(&revoked).contains("token is not active"));
        } else {
            assert_eq!(revoked.status(), StatusCode::OK, "within the cache time");
        }
        server.abort();
    }
    task.abort();
}

#[tokio::test]
async fn scopes_hold_without_step_up_and_behind_an_auth_layer_of_ones_own() {
    use mcp_serve::auth::ScopeDenial;
    let reset = || {
        Tool::new("admin_reset")
            .scopes(["admin"])
            .raw_handler(|_, _| async { Ok(CallToolResult::text("reset")) })
    };
    // For clients that cannot step up: a tool error the model can read.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let handle = Server::new("s", "1.0.0")
        .tool(reset())
        .into_handle()
        .expect("fixture");
    let auth = Auth::new(&url)
        .verifier(ApiKeys::new().key("k-reader", Principal::new("reader").with_scopes(["read"])))
        .on_missing_scope(ScopeDenial::Error);
    let server = tokio::spawn(async move {
        let _ = serve_listener(
            &handle,
            listener,
            HttpOptions::default().auth(auth),
            std::future::pending(),
        )
        .await;
    });
    let resp = send(
        modern_request(
            &client(),
            &url,
            1,
            "tools/call",
            json!({"name": "admin_reset", "arguments": {}}),
        )
        .header("authorization", "Bearer k-reader"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_body(resp).await;
    assert_eq!(v["result"]["isError"], true, "{v}");
    assert_eq!(
        v["result"]["content"][0]["text"],
        "Not allowed: this needs the scope(s): admin."
    );
    server.abort();

    // Behind an auth layer of one's own that leaves a Principal in the
    // request: the engine still enforces the scopes.
    let handle = Server::new("s", "1.0.0")
        .tool(reset())
        .into_handle()
        .expect("fixture");
    let mut service = handle.http_service(HttpOptions::default());
    for (scopes, refused) in [(vec!["read"], true), (vec!["admin"], false)] {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "admin_reset", "arguments": {}, "_meta": {
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientCapabilities": {}}}});
        let mut req = http::Request::post("/mcp")
            .header("host", "localhost")
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .header("mcp-protocol-version", MODERN)
            .header("mcp-method", "tools/call")
            .header("mcp-name", "admin_reset")
            .body(axum::body::Body::from(body.to_string()))
            .expect("request");
        req.extensions_mut()
            .insert(Arc::new(Principal::new("someone").with_scopes(scopes)));
        let resp = tower_service::Service::call(&mut service, req)
            .await
            .expect("infallible");
        let bytes = axum::body::to_bytes(axum::body::Body::new(resp.into_body()), 1 << 20)
            .await
            .expect("body");
        let v: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(v["result"]["isError"] == true, refused, "{v}");
    }
}

#[tokio::test]
async fn a_task_belongs_to_the_caller_that_created_it() {
    const EXT: &str = "io.modelcontextprotocol/tasks";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let work = Tool::new("work")
        .task_support(mcp_serve::protocol::types::TaskSupport::Required)
        .raw_handler(|_, _| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(CallToolResult::text("done"))
        });
    let handle = Server::new("tasks", "1.0.0")
        .tool(work)
        .into_handle()
        .expect("fixture");
    let keys = ApiKeys::new()
        .key("k-alice", Principal::new("alice"))
        .key("k-bob", Principal::new("bob"));
    let options = HttpOptions::default().auth(Auth::new(&url).verifier(keys));
    let server = tokio::spawn(async move {
        let _ = serve_listener(&handle, listener, options, std::future::pending()).await;
    });
    let request = |key: &str, id: i64, method: &str, params: Value| {
        let mut params = params;
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {"extensions": {EXT: {}}},
        });
        let mut rb = client()
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .header("mcp-protocol-version", MODERN)
            .header("mcp-method", method)
            .header("authorization", format!("Bearer {key}"));
        // Tasks requests mirror the task id as their name.
        if let Some(name) = params
            .get("name")
            .or_else(|| params.get("taskId"))
            .and_then(Value::as_str)
        {
            rb = rb.header("mcp-name", name.to_owned());
        }
        rb.json(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
    };
    let created = json_body(
        send(request(
            "k-alice",
            1,
            "tools/call",
            json!({"name": "work", "arguments": {}}),
        ))
        .await,
    )
    .await;
    let task_id = created["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let mine = json_body(send(request("k-alice", 2, "tasks/get", json!({"taskId": task_id}))).await).await;
    assert_eq!(mine["result"]["status"], "working", "{mine}");
    for method in ["tasks/get", "tasks/cancel"] {
        let theirs = json_body(send(request("k-bob", 3, method, json!({"taskId": task_id}))).await).await;
        assert_eq!(theirs["error"]["code"], -32602, "{method}: {theirs}");
    }
    let still = json_body(send(request("k-alice", 4, "tasks/get", json!({"taskId": task_id}))).await).await;
    assert_eq!(
        still["result"]["status"], "working",
        "bob's cancel did nothing: {still}"
    );
    server.abort();
}

#[tokio::test]
async fn a_request_state_belongs_to_the_caller_it_was_given_to() {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Name {
        name: String,
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let greet = Tool::new("greet").raw_handler(|_, ctx| async move {
        let name = match ctx.elicit::<Name>("Your name?").await? {
            mcp_serve::context::Elicitation::Accept(n) => n.name,
            _ => "nobody".into(),
        };
        Ok(CallToolResult::text(format!("hello {name}")))
    });
    let handle = Server::new("mrtr", "1.0.0")
        .tool(greet)
        .into_handle()
        .expect("fixture");
    let keys = ApiKeys::new()
        .key("k-alice", Principal::new("alice"))
        .key("k-bob", Principal::new("bob"));
    let options = HttpOptions::default().auth(Auth::new(&url).verifier(keys));
    let server = tokio::spawn(async move {
        let _ = serve_listener(&handle, listener, options, std::future::pending()).await;
    });
    let call = |key: &str, extra: Value| {
        let mut params = json!({"name": "greet", "arguments": {}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}}}});
        for (k, v) in extra.as_object().expect("object") {
            params[k] = v.clone();
        }
        client()
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .header("mcp-protocol-version", MODERN)
            .header("mcp-method", "tools/call")
            .header("mcp-name", "greet")
            .header("authorization", format!("Bearer {key}"))
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}))
    };
    let first = json_body(send(call("k-alice", json!({}))).await).await;
    assert_eq!(first["result"]["resultType"], "input_required", "{first}");
    let key = first["result"]["inputRequests"]
        .as_object()
        .and_then(|r| r.keys().next().cloned())
        .expect("an input request");
    let state = first["result"]["requestState"]
        .as_str()
        .expect("state")
        .to_owned();
    let answer = json!({"inputResponses": {key: {"action": "accept", "content": {"name": "Ada"}}},
        "requestState": state});
    let stolen = json_body(send(call("k-bob", answer.clone())).await).await;
    assert_eq!(
        stolen["error"]["code"], -32602,
        "another caller's state: {stolen}"
    );
    let done = json_body(send(call("k-alice", answer)).await).await;
    assert_eq!(done["result"]["content"][0]["text"], "hello Ada", "{done}");
    server.abort();
}
