//! HTTPS: TLS termination with certificates made here by rcgen (a CA and
//! leaves for 127.0.0.1/localhost). Our client over https in both eras,
//! HTTP/2 chosen by ALPN, plain HTTP to the TLS port, a stalled handshake,
//! certificate reload (on file change and on SIGHUP) with old connections
//! going on, the errors for bad files, and the quickstart's `--tls-cert`
//! and `--tls-key`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use mcp_serve::client::{Client, ClientOptions, Era};
use mcp_serve::prelude::*;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::transport::http::{HttpOptions, TlsError, TlsFiles, TlsTermination, serve_listener};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

use super::http::within;

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

// ---------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------

/// A test certificate authority.
struct Ca {
    pem: String,
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

/// A server certificate and its key, PEM.
struct Leaf {
    cert_pem: String,
    der: CertificateDer<'static>,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().expect("CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).expect("CA certificate");
    Ca {
        pem: cert.pem(),
        der: cert.der().clone(),
        issuer: Issuer::new(params, key),
    }
}

fn leaf_with(ca: &Ca, key: KeyPair) -> Leaf {
    let params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("params");
    let cert = params.signed_by(&key, &ca.issuer).expect("leaf certificate");
    Leaf {
        cert_pem: cert.pem(),
        der: cert.der().clone(),
        key,
    }
}

fn leaf(ca: &Ca) -> Leaf {
    leaf_with(ca, KeyPair::generate().expect("leaf key"))
}

/// The private key inside a PKCS#8 document: PKCS#1 for RSA, SEC1 for EC
/// (`PrivateKeyInfo ::= SEQUENCE { version, algorithm, privateKey OCTET STRING }`).
fn inner_key(pkcs8: &[u8]) -> Vec<u8> {
    /// One DER element at `at`: (its content's start, its end).
    fn element(der: &[u8], at: usize) -> (usize, usize) {
        let first = der[at + 1];
        let (len, header) = if first & 0x80 == 0 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            let len = der[at + 2..at + 2 + n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, 2 + n)
        };
        (at + header, at + header + len)
    }
    let (body, _) = element(pkcs8, 0);
    let (_, after_version) = element(pkcs8, body);
    let (_, after_algorithm) = element(pkcs8, after_version);
    assert_eq!(pkcs8[after_algorithm], 0x04, "privateKey is an OCTET STRING");
    let (start, end) = element(pkcs8, after_algorithm);
    pkcs8[start..end].to_vec()
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A fresh directory for one test's files, removed when the test ends.
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("mcp-serve-tls-{name}-"))
        .tempdir()
        .expect("temp dir")
}

/// Writes a leaf's certificate and PKCS#8 key into `dir`, as a renewal
/// does: each file written aside, then renamed into place.
fn install(dir: &Path, leaf: &Leaf) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("fullchain.pem"), dir.join("privkey.pem"));
    write_atomically(&key, leaf.key.serialize_pem().as_bytes());
    write_atomically(&cert, leaf.cert_pem.as_bytes());
    (cert, key)
}

fn write_atomically(path: &Path, bytes: &[u8]) {
    let aside = path.with_extension("new");
    std::fs::write(&aside, bytes).expect("write");
    std::fs::rename(&aside, path).expect("rename");
}

// ---------------------------------------------------------------------------
// Servers and raw clients
// ---------------------------------------------------------------------------

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), mcp_serve::transport::TransportError>>,
}

impl Running {
    fn url(&self) -> String {
        format!("https://{}/mcp", self.addr)
    }

    async fn stop(mut self) {
        let _ = self.stop.take().expect("running").send(());
        within("the server to stop", &mut self.task)
            .await
            .expect("join")
            .expect("served");
    }
}

async fn start(options: HttpOptions) -> Running {
    let handle = Server::new("tls-test", "1.0.0")
        .tool(add)
        .into_handle()
        .expect("server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve_listener(&handle, listener, options, async {
            let _ = stopped.await;
        })
        .await
    });
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

fn connector(ca: &Ca, alpn: &[&[u8]]) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der.clone()).expect("CA");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

type Tls = tokio_rustls::client::TlsStream<TcpStream>;

async fn open(addr: SocketAddr, ca: &Ca, alpn: &[&[u8]]) -> std::io::Result<Tls> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("127.0.0.1").expect("name");
    connector(ca, alpn).connect(name, tcp).await
}

/// The certificate the server showed on this connection.
fn peer_cert(tls: &Tls) -> CertificateDer<'static> {
    tls.get_ref().1.peer_certificates().expect("a certificate")[0].clone()
}

/// `GET /healthz` over HTTP/1.1 on an open connection (kept alive): the
/// status line.
async fn healthz(tls: &mut Tls) -> String {
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    // The probe's answer is short: read until its body ("ok") is in.
    while !got.windows(4).any(|w| w == b"\r\n\r\n") || !got.ends_with(b"ok") {
        let n = within("the probe's answer", tls.read(&mut buf))
            .await
            .expect("read");
        assert!(n > 0, "the connection closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn options_trusting(ca: &Ca, era: Era) -> ClientOptions {
    ClientOptions::default()
        .era(era)
        .root_certificate_pem(ca.pem.clone())
}

// ---------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------

#[tokio::test]
async fn our_client_calls_a_tool_over_https_in_both_eras() {
    let ca = ca("both eras CA");
    let tmp = temp_dir("eras");
    let dir = tmp.path();
    let (cert, key) = install(dir, &leaf(&ca));
    let server = start(HttpOptions::default().tls(cert, key)).await;
    for era in [Era::Modern, Era::Legacy(ProtocolVersion::V2025_11_25)] {
        let client = within(
            "a connection",
            Client::connect_http(&server.url(), options_trusting(&ca, era)),
        )
        .await
        .unwrap_or_else(|e| panic!("{era:?} over https: {e}"));
        assert_eq!(client.era(), era);
        let sum = within("a call", client.call_tool("add", json!({"a": 2, "b": 3})))
            .await
            .expect("call");
        assert_eq!(sum.content[0].as_text(), Some("5"), "{era:?}");
    }
    // The name in the certificate works too.
    let by_name = format!("https://localhost:{}/mcp", server.addr.port());
    let client = within(
        "a connection",
        Client::connect_http(&by_name, options_trusting(&ca, Era::Modern)),
    )
    .await
    .expect("localhost");
    let sum = within("a call", client.call_tool("add", json!({"a": 1, "b": 1})))
        .await
        .expect("call");
    assert_eq!(sum.content[0].as_text(), Some("2"));
    // Without the CA, the certificate is not trusted: TLS is really checked.
    let untrusted = within(
        "a refused connection",
        Client::connect_http(&server.url(), ClientOptions::default().era(Era::Modern)),
    )
    .await
    .expect_err("an unknown CA is refused");
    let chain = format!("{untrusted:?}").to_lowercase();
    assert!(
        chain.contains("certificate") || chain.contains("unknownissuer"),
        "{untrusted:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_root_certificate_that_is_not_pem_is_a_clear_client_error() {
    let err = Client::connect_http(
        "https://127.0.0.1:1/mcp",
        ClientOptions::default()
            .era(Era::Modern)
            .root_certificate_pem("not a certificate"),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
}

#[tokio::test]
async fn http2_is_chosen_by_alpn_and_serves_mcp() {
    use http_body_util::{BodyExt, Full};

    let ca = ca("h2 CA");
    let tmp = temp_dir("h2");
    let dir = tmp.path();
    let (cert, key) = install(dir, &leaf(&ca));
    let server = start(HttpOptions::default().tls(cert, key)).await;

    let tls = within("a handshake", open(server.addr, &ca, &[b"h2", b"http/1.1"]))
        .await
        .expect("handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tls),
    )
    .await
    .expect("HTTP/2 handshake");
    tokio::spawn(conn);
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 20, "b": 22}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": super::http::MODERN,
            "io.modelcontextprotocol/clientCapabilities": {},
        }},
    });
    let req = http::Request::post(format!("https://127.0.0.1:{}/mcp", server.addr.port()))
        .header("content-type", "application/json")
        .header("accept", super::http::BOTH)
        .header("mcp-protocol-version", super::http::MODERN)
        .header("mcp-method", "tools/call")
        .header("mcp-name", "add")
        .body(Full::new(bytes::Bytes::from(body.to_string())))
        .expect("request");
    let resp = within("the answer", sender.send_request(req))
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), http::Version::HTTP_2);
    let bytes = within("the body", resp.into_body().collect())
        .await
        .expect("body")
        .to_bytes();
    let v: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(v["result"]["content"][0]["text"], "42", "{v}");

    // A client that offers only HTTP/1.1 gets it.
    let tls = within("a handshake", open(server.addr, &ca, &[b"http/1.1"]))
        .await
        .expect("handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    server.stop().await;
}

#[tokio::test]
async fn plain_http_to_the_tls_port_fails_cleanly_and_https_goes_on() {
    let ca = ca("plain CA");
    let tmp = temp_dir("plain");
    let dir = tmp.path();
    let (cert, key) = install(dir, &leaf(&ca));
    let server = start(HttpOptions::default().tls(cert, key)).await;
    let plain = format!("http://{}/mcp", server.addr);
    let http = super::http::client();
    let sent = within(
        "the plain request to end",
        super::http::modern_request(&http, &plain, 1, "tools/list", json!({})).send(),
    )
    .await;
    assert!(
        sent.is_err(),
        "a plain HTTP request gets no HTTP answer: {sent:?}"
    );
    // Raw: the server closes the connection rather than hang.
    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let mut got = Vec::new();
    let _ = within("the server to close", tcp.read_to_end(&mut got)).await;
    assert!(
        !String::from_utf8_lossy(&got).contains("200"),
        "no HTTP answer in the clear"
    );
    let client = within(
        "a connection",
        Client::connect_http(&server.url(), options_trusting(&ca, Era::Modern)),
    )
    .await
    .expect("https still serves");
    let sum = within("a call", client.call_tool("add", json!({"a": 1, "b": 2})))
        .await
        .expect("call");
    assert_eq!(sum.content[0].as_text(), Some("3"));
    server.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_stalled_handshake_is_dropped_at_the_header_read_timeout() {
    let ca = ca("stall CA");
    let tmp = temp_dir("stall");
    let dir = tmp.path();
    let (cert, key) = install(dir, &leaf(&ca));
    let handle = Server::new("tls-test", "1.0.0")
        .tool(add)
        .into_handle()
        .expect("server");
    let header = Duration::from_secs(7);
    let service = handle.http_service(HttpOptions::default().header_read_timeout(header));
    let tls = TlsTermination::load(TlsFiles::new(cert, key)).expect("load");
    let peer: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    // One client sends nothing; another the first bytes of a record.
    for first in [&b""[..], &[0x16, 0x03, 0x01][..]] {
        let (mut client, server_end) = tokio::io::duplex(4096);
        client.write_all(first).await.expect("write");
        let started = tokio::time::Instant::now();
        let conn = service.serve_tls_connection_from(server_end, peer, &tls);
        tokio::time::timeout(Duration::from_secs(3600), conn)
            .await
            .expect("the connection ends");
        let took = started.elapsed();
        assert!(
            took >= header && took < header + Duration::from_secs(1),
            "{took:?}"
        );
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.expect("closed");
    }
}

#[tokio::test]
async fn a_listener_drops_a_client_that_never_says_hello() {
    let ca = ca("silent CA");
    let tmp = temp_dir("silent");
    let dir = tmp.path();
    let (cert, key) = install(dir, &leaf(&ca));
    let server = start(
        HttpOptions::default()
            .tls(cert, key)
            .header_read_timeout(Duration::from_millis(200)),
    )
    .await;
    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    let mut got = Vec::new();
    // Without a bound on the handshake this would never end.
    let n = within("the silent client to be dropped", tcp.read_to_end(&mut got))
        .await
        .unwrap_or(0);
    assert_eq!(n, 0, "nothing sent to a silent client");
    server.stop().await;
}

#[tokio::test]
async fn rsa_pkcs1_and_ec_sec1_keys_serve() {
    let ca = ca("key formats CA");
    let rsa = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key");
    let rsa_pkcs1 = pem("RSA PRIVATE KEY", &inner_key(&rsa.serialize_der()));
    let ec = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).expect("EC key");
    let ec_sec1 = pem("EC PRIVATE KEY", &inner_key(&ec.serialize_der()));
    for (kind, key, key_pem) in [("RSA PKCS#1", rsa, rsa_pkcs1), ("EC SEC1", ec, ec_sec1)] {
        let leaf = leaf_with(&ca, key);
        let tmp = temp_dir("formats");
        let dir = tmp.path();
        let (cert, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, &leaf.cert_pem).expect("write");
        std::fs::write(&key_path, key_pem).expect("write");
        let server = start(HttpOptions::default().tls(cert, key_path)).await;
        let tls = within("a handshake", open(server.addr, &ca, &[b"http/1.1"]))
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(peer_cert(&tls), leaf.der, "{kind}");
        server.stop().await;
    }
}

#[tokio::test]
async fn behind_tls_the_protected_resource_metadata_says_https() {
    use mcp_serve::auth::{ApiKeys, Auth, Principal};

    let ca = ca("auth CA");
    let tmp = temp_dir("auth");
    let dir = tmp.path();
    let (cert, key) = install(dir, &leaf(&ca));
    // The canonical URI from each request: on loopback without TLS it would be http://.
    let auth = Auth::from_requests().verifier(ApiKeys::new().key("k-1", Principal::new("ci")));
    let server = start(HttpOptions::default().tls(cert, key).auth(auth)).await;
    let origin = format!("https://127.0.0.1:{}", server.addr.port());
    let http = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_merge([reqwest::Certificate::from_pem(ca.pem.as_bytes()).expect("CA")])
        .build()
        .expect("client");
    let meta: Value = within(
        "the metadata",
        http.get(format!("{origin}/.well-known/oauth-protected-resource/mcp"))
            .send(),
    )
    .await
    .expect("GET")
    .json()
    .await
    .expect("JSON");
    assert_eq!(meta["resource"], format!("{origin}/mcp"), "{meta}");
    let resp = within(
        "the challenge",
        super::http::modern_request(&http, &format!("{origin}/mcp"), 1, "tools/list", json!({})).send(),
    )
    .await
    .expect("POST");
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        challenge.contains(&format!(
            "resource_metadata=\"{origin}/.well-known/oauth-protected-resource/mcp\""
        )),
        "{challenge}"
    );
    let ok = within(
        "an authorized call",
        super::http::modern_request(&http, &format!("{origin}/mcp"), 2, "tools/list", json!({}))
            .header("authorization", "Bearer k-1")
            .send(),
    )
    .await
    .expect("POST");
    assert_eq!(ok.status(), 200, "the JWT audience / resource is the https URI");
    server.stop().await;
}

// ---------------------------------------------------------------------------
// Reload
// ---------------------------------------------------------------------------

/// New connections until one shows `want` (bounded).
async fn until_served(addr: SocketAddr, ca: &Ca, want: &CertificateDer<'static>) {
    within("the new certificate", async {
        loop {
            let tls = open(addr, ca, &[b"http/1.1"]).await.expect("handshake");
            if peer_cert(&tls) == *want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn changed_files_are_reloaded_for_new_connections_while_old_ones_go_on() {
    let ca = ca("reload CA");
    let tmp = temp_dir("reload");
    let dir = tmp.path();
    let first = leaf(&ca);
    let (cert, key) = install(dir, &first);
    let files = TlsFiles::new(&cert, &key).poll_interval(Some(Duration::from_millis(20)));
    let server = start(HttpOptions::default().tls_files(files)).await;
    let mut old = within("a handshake", open(server.addr, &ca, &[b"http/1.1"]))
        .await
        .expect("handshake");
    assert_eq!(peer_cert(&old), first.der);
    assert!(healthz(&mut old).await.contains("200"));

    // A half-written renewal: the old certificate stays in service.
    std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\nMIIB").expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let tls = within("a handshake", open(server.addr, &ca, &[b"http/1.1"]))
        .await
        .expect("still served");
    assert_eq!(peer_cert(&tls), first.der);

    // The renewal completes.
    let second = leaf(&ca);
    install(dir, &second);
    until_served(server.addr, &ca, &second.der).await;
    // The connection opened before goes on, with the certificate it had.
    assert!(healthz(&mut old).await.contains("200"));
    assert_eq!(peer_cert(&old), first.der);
    server.stop().await;
}

#[tokio::test]
async fn reload_swaps_the_certificate_and_a_bad_reload_keeps_it() {
    let ca = ca("manual CA");
    let tmp = temp_dir("manual");
    let dir = tmp.path();
    let first = leaf(&ca);
    let (cert, key) = install(dir, &first);
    let tls = TlsTermination::load(TlsFiles::new(&cert, &key).poll_interval(None)).expect("load");
    // A key from another issuance: refused, the first stays.
    let other = leaf(&ca);
    write_atomically(&key, other.key.serialize_pem().as_bytes());
    let err = tls.reload().expect_err("mismatch");
    assert!(matches!(err, TlsError::KeyMismatch { .. }), "{err}");
    // Serve with it: the first certificate is still the one shown.
    let handle = Server::new("tls-test", "1.0.0").into_handle().expect("server");
    let service = handle.http_service(HttpOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepting = {
        let tls = tls.clone();
        tokio::spawn(async move {
            loop {
                let (stream, peer) = listener.accept().await.expect("accept");
                tokio::spawn(service.serve_tls_connection_from(stream, peer, &tls));
            }
        })
    };
    let conn = within("a handshake", open(addr, &ca, &[b"http/1.1"]))
        .await
        .expect("handshake");
    assert_eq!(peer_cert(&conn), first.der);
    write_atomically(&cert, other.cert_pem.as_bytes());
    tls.reload().expect("a matching pair reloads");
    let conn = within("a handshake", open(addr, &ca, &[b"http/1.1"]))
        .await
        .expect("handshake");
    assert_eq!(peer_cert(&conn), other.der);
    accepting.abort();
}

// ---------------------------------------------------------------------------
// Bad files
// ---------------------------------------------------------------------------

#[tokio::test]
async fn bad_files_give_errors_that_say_what_to_do() {
    let ca = ca("errors CA");
    let tmp = temp_dir("errors");
    let dir = tmp.path();
    let good = leaf(&ca);
    let (cert, key) = install(dir, &good);
    let load = |c: &Path, k: &Path| TlsTermination::load(TlsFiles::new(c, k)).expect_err("refused");

    let missing = dir.join("missing.pem");
    let e = load(&missing, &key);
    assert!(matches!(e, TlsError::Read { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("missing.pem") && text.contains("--tls-cert") && text.contains("MCP_SERVE_TLS_CERT"),
        "{text}"
    );
    let e = load(&cert, &missing).to_string();
    assert!(e.contains("private key") && e.contains("--tls-key"), "{e}");

    // The files swapped: no certificate in the key file, no key in the certificate file.
    let e = load(&key, &cert);
    assert!(matches!(e, TlsError::NoCertificate { .. }), "{e}");
    assert!(e.to_string().contains("fullchain.pem"), "{e}");
    let e = load(&cert, &cert);
    assert!(matches!(e, TlsError::NoKey { .. }), "{e}");
    assert!(e.to_string().contains("--tls-key"), "{e}");

    let broken = dir.join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let e = load(&broken, &key);
    assert!(matches!(e, TlsError::Pem { .. }), "{e}");

    let other = dir.join("other-key.pem");
    std::fs::write(&other, KeyPair::generate().expect("key").serialize_pem()).expect("write");
    let e = load(&cert, &other);
    assert!(matches!(e, TlsError::KeyMismatch { .. }), "{e}");
    assert!(e.to_string().contains("same issuance or renewal"), "{e}");

    // Serving refuses to start with them, saying the same.
    let handle = Server::new("tls-test", "1.0.0").into_handle().expect("server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let err = within(
        "the refusal",
        serve_listener(
            &handle,
            listener,
            HttpOptions::default().tls(&cert, &other),
            std::future::pending(),
        ),
    )
    .await
    .expect_err("refused");
    assert!(
        err.to_string().contains("does not match the certificate"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// The quickstart: flags, environment, SIGHUP
// ---------------------------------------------------------------------------

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

async fn quickstart(args: &[&str], env: &[(&str, &str)]) -> tokio::process::Child {
    let mut cmd = tokio::process::Command::new(super::stdio::quickstart().await);
    for var in [
        "MCP_SERVE_HTTP",
        "MCP_SERVE_ALLOWED_HOSTS",
        "MCP_SERVE_ALLOWED_ORIGINS",
        "PORT",
        "MCP_SERVE_TLS_CERT",
        "MCP_SERVE_TLS_KEY",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("quickstart starts")
}

async fn refusal(mut child: tokio::process::Child) -> String {
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
async fn the_quickstart_serves_https_with_flags_and_reloads_on_sighup() {
    let ca = ca("quickstart CA");
    let tmp = temp_dir("quickstart");
    let dir = tmp.path();
    let first = leaf(&ca);
    let (cert, key) = install(dir, &first);
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = quickstart(
        &[
            "--http",
            &addr,
            "--tls-cert",
            cert.to_str().expect("path"),
            &format!("--tls-key={}", key.to_str().expect("path")),
        ],
        &[],
    )
    .await;
    // The startup log names the https URL.
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let want = format!("https://{addr}/mcp");
    within("the startup log", async {
        while let Some(line) = lines.next_line().await.expect("read") {
            if line.contains(&want) {
                return;
            }
        }
        panic!("no {want} in the log");
    })
    .await;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client = within(
        "a connection",
        Client::connect_http(&want, options_trusting(&ca, Era::Modern)),
    )
    .await
    .expect("connect");
    let r = within("a call", client.call_tool("add", json!({"a": 2, "b": 2})))
        .await
        .expect("call");
    assert_eq!(r.content[0].as_text(), Some("4"));

    // Renewed files and SIGHUP (the poll would also see them; SIGHUP is at once).
    let socket: SocketAddr = addr.parse().expect("addr");
    let second = leaf(&ca);
    install(dir, &second);
    let pid = child.id().expect("pid").to_string();
    let kill = tokio::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .await
        .expect("kill");
    assert!(kill.success());
    until_served(socket, &ca, &second.der).await;
    // SIGHUP did not end the server: it still answers.
    let r = within("a call", client.call_tool("add", json!({"a": 3, "b": 3})))
        .await
        .expect("call after SIGHUP");
    assert_eq!(r.content[0].as_text(), Some("6"));
    drop(child);
}

#[tokio::test]
async fn one_of_cert_and_key_without_the_other_is_refused_naming_both() {
    let port = free_port().to_string();
    let addr = format!("127.0.0.1:{port}");
    let stderr = refusal(quickstart(&["--http", &addr, "--tls-cert", "/etc/cert.pem"], &[]).await).await;
    assert!(
        stderr.contains("--tls-cert") && stderr.contains("--tls-key"),
        "{stderr}"
    );
    let stderr =
        refusal(quickstart(&["--http", &addr], &[("MCP_SERVE_TLS_KEY", "/etc/key.pem")]).await).await;
    assert!(
        stderr.contains("MCP_SERVE_TLS_CERT") && stderr.contains("MCP_SERVE_TLS_KEY"),
        "{stderr}"
    );
    // TLS without HTTP says to add --http.
    let stderr = refusal(quickstart(&["--tls-cert", "/a.pem", "--tls-key", "/b.pem"], &[]).await).await;
    assert!(stderr.contains("--http"), "{stderr}");
}

#[tokio::test]
async fn the_environment_names_the_files() {
    let ca = ca("env CA");
    let tmp = temp_dir("env");
    let dir = tmp.path();
    let (cert, key) = install(dir, &leaf(&ca));
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _child = quickstart(
        &[],
        &[
            ("MCP_SERVE_HTTP", &addr),
            ("MCP_SERVE_TLS_CERT", cert.to_str().expect("path")),
            ("MCP_SERVE_TLS_KEY", key.to_str().expect("path")),
        ],
    )
    .await;
    let url = format!("https://{addr}/mcp");
    let client = within("the server to come up", async {
        loop {
            match Client::connect_http(&url, options_trusting(&ca, Era::Modern)).await {
                Ok(c) => return c,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    })
    .await;
    let r = within("a call", client.call_tool("add", json!({"a": 5, "b": 5})))
        .await
        .expect("call");
    assert_eq!(r.content[0].as_text(), Some("10"));
}
