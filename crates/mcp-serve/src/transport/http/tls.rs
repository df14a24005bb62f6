//! TLS termination: HTTPS on rustls, for a server on the internet without a
//! reverse proxy in front.
//!
//! - [`TlsFiles`]: where the PEM certificate chain and private key are
//!   (set with [`HttpOptions::tls`](super::HttpOptions::tls),
//!   `MCP_SERVE_TLS_CERT`/`MCP_SERVE_TLS_KEY`, or `--tls-cert`/`--tls-key`).
//! - [`TlsTermination`]: the loaded certificate, the handshake (ALPN `h2`
//!   and `http/1.1`, bounded by the header-read timeout) and reloading:
//!   on SIGHUP and when the files change, a new certificate is swapped in
//!   for new connections while open ones go on. A reload that fails (a
//!   half-written file, a key from another renewal) keeps the certificate
//!   in use and logs a warning.
//!
//! The crypto provider is aws-lc-rs, the one reqwest (the client) already
//! uses, so the dependency tree holds one.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::rustls;
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_util::sync::CancellationToken;

use super::McpService;

/// The environment variable naming the PEM certificate chain file, read
/// when the code sets no [`HttpOptions::tls`](super::HttpOptions::tls)
/// (with [`TLS_KEY_ENV`]; one without the other is an error).
///
/// ```
/// assert_eq!(mcp_serve::transport::http::TLS_CERT_ENV, "MCP_SERVE_TLS_CERT");
/// ```
pub const TLS_CERT_ENV: &str = "MCP_SERVE_TLS_CERT";

/// The environment variable naming the PEM private key file (with
/// [`TLS_CERT_ENV`]).
///
/// ```
/// assert_eq!(mcp_serve::transport::http::TLS_KEY_ENV, "MCP_SERVE_TLS_KEY");
/// ```
pub const TLS_KEY_ENV: &str = "MCP_SERVE_TLS_KEY";

/// Where a server's certificate and key are, and how often to look for new
/// ones.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::transport::http::TlsFiles;
/// let files = TlsFiles::new("/etc/mcp/fullchain.pem", "/etc/mcp/privkey.pem")
///     .poll_interval(Some(Duration::from_secs(30)));
/// assert_eq!(files.cert_path.to_str(), Some("/etc/mcp/fullchain.pem"));
/// assert_eq!(files.poll_interval, Some(Duration::from_secs(30)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsFiles {
    /// The certificate chain, PEM: the server's certificate first, then the
    /// intermediates (Let's Encrypt's `fullchain.pem`, cert-manager's
    /// `tls.crt`).
    pub cert_path: PathBuf,
    /// The private key, PEM: PKCS#8 (`BEGIN PRIVATE KEY`), PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`).
    pub key_path: PathBuf,
    /// How often the files' modification times are checked, to reload them
    /// when they change (default 5 s); `None`: only on SIGHUP.
    pub poll_interval: Option<Duration>,
}

impl TlsFiles {
    /// The certificate chain at `cert_path`, its key at `key_path`, checked
    /// for changes every 5 s.
    ///
    /// ```
    /// let files = mcp_serve::transport::http::TlsFiles::new("cert.pem", "key.pem");
    /// assert_eq!(files.poll_interval, Some(std::time::Duration::from_secs(5)));
    /// ```
    pub fn new(cert_path: impl Into<PathBuf>, key_path: impl Into<PathBuf>) -> Self {
        TlsFiles {
            cert_path: cert_path.into(),
            key_path: key_path.into(),
            poll_interval: Some(Duration::from_secs(5)),
        }
    }

    /// How often to check the files for changes (`None`: only on SIGHUP).
    ///
    /// ```
    /// let files = mcp_serve::transport::http::TlsFiles::new("cert.pem", "key.pem").poll_interval(None);
    /// assert_eq!(files.poll_interval, None);
    /// ```
    #[must_use]
    pub fn poll_interval(mut self, every: Option<Duration>) -> Self {
        // A zero interval would spin.
        self.poll_interval = every.map(|d| d.max(Duration::from_millis(10)));
        self
    }

    /// The files named by [`TLS_CERT_ENV`] and [`TLS_KEY_ENV`], if set.
    pub(crate) fn from_env() -> Result<Option<Self>, TlsError> {
        let get = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        match (get(TLS_CERT_ENV), get(TLS_KEY_ENV)) {
            (Some(cert), Some(key)) => Ok(Some(TlsFiles::new(cert, key))),
            (None, None) => Ok(None),
            (cert, _) => Err(TlsError::Incomplete {
                given: if cert.is_some() { TLS_CERT_ENV } else { TLS_KEY_ENV },
                missing: if cert.is_some() { TLS_KEY_ENV } else { TLS_CERT_ENV },
            }),
        }
    }
}

/// Why a certificate or key could not be used; each says what to do.
///
/// ```
/// use mcp_serve::transport::http::{TlsError, TlsFiles, TlsTermination};
/// let err = TlsTermination::load(TlsFiles::new("/no/such/cert.pem", "/no/such/key.pem")).unwrap_err();
/// assert!(matches!(err, TlsError::Read { .. }));
/// assert!(err.to_string().contains("/no/such/cert.pem"), "{err}");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    #[error(
        "could not read the TLS {what} file {path}: {source}; check the path given with --tls-{what_flag} or \
         {env} and that this process may read it"
    )]
    Read {
        /// `certificate` or `private key`.
        what: &'static str,
        /// `cert` or `key`, for the flag's name.
        what_flag: &'static str,
        /// The environment variable that can name the file.
        env: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not PEM, or a PEM section is broken.
    #[error(
        "the TLS {what} file {path} is not valid PEM ({detail}); give the PEM file (text starting with -----BEGIN)"
    )]
    Pem {
        /// `certificate` or `private key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The certificate file holds no certificate.
    #[error(
        "{path} holds no certificate (no -----BEGIN CERTIFICATE----- section); give the certificate chain \
         (e.g. Let's Encrypt's fullchain.pem, cert-manager's tls.crt) as --tls-cert / {TLS_CERT_ENV}"
    )]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// The key file holds no private key.
    #[error(
        "{path} holds no private key (a BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY \
         section); give the key (e.g. Let's Encrypt's privkey.pem, cert-manager's tls.key) as --tls-key / \
         {TLS_KEY_ENV}"
    )]
    NoKey {
        /// The file.
        path: PathBuf,
    },
    /// The key is of a kind that cannot sign TLS handshakes.
    #[error(
        "the private key in {path} cannot be used ({detail}); supported keys are RSA (2048 bits or more), \
         ECDSA P-256/P-384/P-521 and Ed25519"
    )]
    UnusableKey {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The key is not the one the certificate was issued for.
    #[error(
        "the private key in {key} does not match the certificate in {cert}; give the key the certificate was \
         issued for (both files from the same issuance or renewal)"
    )]
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The certificate cannot be parsed.
    #[error("the first certificate in {path} cannot be used ({detail}); give a valid X.509 certificate")]
    BadCertificate {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// One of the certificate and the key was given without the other.
    #[error(
        "{given} is set but {missing} is not: HTTPS needs both the certificate (--tls-cert / {TLS_CERT_ENV}) \
         and the private key (--tls-key / {TLS_KEY_ENV})"
    )]
    Incomplete {
        /// The setting that was given.
        given: &'static str,
        /// The one that is missing.
        missing: &'static str,
    },
}

impl TlsError {
    /// The error as a transport error, for the callers that return one.
    pub(crate) fn into_transport(self) -> crate::transport::TransportError {
        let kind = match &self {
            TlsError::Read { source, .. } => source.kind(),
            _ => std::io::ErrorKind::InvalidInput,
        };
        crate::transport::TransportError::Io(std::io::Error::new(kind, self.to_string()))
    }
}

/// The crypto provider: aws-lc-rs, as reqwest's.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Reads a PEM file's bytes.
fn read(path: &Path, cert: bool) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what: if cert { "certificate" } else { "private key" },
        what_flag: if cert { "cert" } else { "key" },
        env: if cert { TLS_CERT_ENV } else { TLS_KEY_ENV },
        path: path.to_owned(),
        source,
    })
}

fn pem_error(path: &Path, cert: bool, e: &rustls_pki_types::pem::Error) -> TlsError {
    TlsError::Pem {
        what: if cert { "certificate" } else { "private key" },
        path: path.to_owned(),
        detail: e.to_string(),
    }
}

/// Loads and checks a certificate chain and its key.
fn load(files: &TlsFiles, provider: &rustls::crypto::CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let (cert_path, key_path) = (&files.cert_path, &files.key_path);
    let cert_pem = read(cert_path, true)?;
    let key_pem = read(key_path, false)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(cert_path, true, &e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert_path.clone(),
        });
    }
    let key = match PrivateKeyDer::from_pem_slice(&key_pem) {
        Ok(key) => key,
        Err(rustls_pki_types::pem::Error::NoItemsFound) => {
            return Err(TlsError::NoKey {
                path: key_path.clone(),
            });
        }
        Err(e) => return Err(pem_error(key_path, false, &e)),
    };
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError::UnusableKey {
            path: key_path.clone(),
            detail: e.to_string(),
        })?;
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        // Some keys cannot name their public half; the handshake still checks.
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(TlsError::KeyMismatch {
                cert: cert_path.clone(),
                key: key_path.clone(),
            })
        }
        Err(e) => Err(TlsError::BadCertificate {
            path: cert_path.clone(),
            detail: e.to_string(),
        }),
    }
}

/// Hands every handshake the certificate of the moment.
#[derive(Debug)]
struct Current(ArcSwap<CertifiedKey>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.load_full())
    }
}

struct Inner {
    files: TlsFiles,
    provider: Arc<rustls::crypto::CryptoProvider>,
    current: Arc<Current>,
    acceptor: tokio_rustls::TlsAcceptor,
    /// Ends the reload watcher when the last handle goes.
    stop: CancellationToken,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A loaded certificate and the TLS handshake with it: what
/// [`serve_listener`](super::serve_listener) uses when
/// [`HttpOptions::tls`](super::HttpOptions::tls) is set, and what a listener
/// of your own can use with [`McpService::serve_tls_connection_from`].
/// Clones share the certificate.
///
/// ```no_run
/// use mcp_serve::transport::http::{TlsFiles, TlsTermination};
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let tls = TlsTermination::load(TlsFiles::new("fullchain.pem", "privkey.pem"))?;
/// tls.watch(); // reload on SIGHUP and when the files change
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsTermination {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TlsTermination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTermination")
            .field("files", &self.inner.files)
            .finish_non_exhaustive()
    }
}

impl TlsTermination {
    /// Loads the certificate chain and key of `files`, checking that they
    /// belong together.
    ///
    /// ```no_run
    /// use mcp_serve::transport::http::{TlsFiles, TlsTermination};
    /// let tls = TlsTermination::load(TlsFiles::new("fullchain.pem", "privkey.pem"))?;
    /// # Ok::<(), mcp_serve::transport::http::TlsError>(())
    /// ```
    ///
    /// # Errors
    /// A file that cannot be read, holds no certificate or key, or a key
    /// that does not match the certificate ([`TlsError`] says which).
    pub fn load(files: TlsFiles) -> Result<Self, TlsError> {
        let provider = provider();
        let current = Arc::new(Current(ArcSwap::from_pointee(load(&files, &provider)?)));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::BadCertificate {
                path: files.cert_path.clone(),
                detail: e.to_string(),
            })?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(&current) as Arc<dyn ResolvesServerCert>);
        // Both of what the connection serving speaks; h2 first, as browsers
        // and HTTP/2 clients prefer it.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsTermination {
            inner: Arc::new(Inner {
                files,
                provider,
                current,
                acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
                stop: CancellationToken::new(),
            }),
        })
    }

    /// The files it was loaded from.
    ///
    /// ```no_run
    /// # use mcp_serve::transport::http::{TlsFiles, TlsTermination};
    /// let tls = TlsTermination::load(TlsFiles::new("fullchain.pem", "privkey.pem"))?;
    /// assert_eq!(tls.files().key_path.to_str(), Some("privkey.pem"));
    /// # Ok::<(), mcp_serve::transport::http::TlsError>(())
    /// ```
    pub fn files(&self) -> &TlsFiles {
        &self.inner.files
    }

    /// Loads the files again and, when they are good, serves the new
    /// certificate to new connections; open connections keep theirs. When
    /// they are not, the certificate in use stays.
    ///
    /// ```no_run
    /// # use mcp_serve::transport::http::{TlsFiles, TlsTermination};
    /// let tls = TlsTermination::load(TlsFiles::new("fullchain.pem", "privkey.pem"))?;
    /// // ... the certificate was renewed ...
    /// tls.reload()?;
    /// # Ok::<(), mcp_serve::transport::http::TlsError>(())
    /// ```
    ///
    /// # Errors
    /// As [`TlsTermination::load`]; the certificate in use is kept.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = load(&self.inner.files, &self.inner.provider)?;
        self.inner.current.0.store(Arc::new(fresh));
        Ok(())
    }

    /// Reloads in the background ([`TlsTermination::reload`]) on SIGHUP
    /// and when the files' modification time or size changes (checked
    /// every [`TlsFiles::poll_interval`]), until every clone of this
    /// termination is dropped. A reload that fails is logged as a warning,
    /// and retried when the files change again. Needs a Tokio runtime.
    ///
    /// ```no_run
    /// # use mcp_serve::transport::http::{TlsFiles, TlsTermination};
    /// # #[tokio::main] async fn main() -> anyhow::Result<()> {
    /// let tls = TlsTermination::load(TlsFiles::new("fullchain.pem", "privkey.pem"))?;
    /// tls.watch();
    /// # Ok(()) }
    /// ```
    pub fn watch(&self) {
        let weak = Arc::downgrade(&self.inner);
        let stop = self.inner.stop.clone();
        let every = self.inner.files.poll_interval;
        let mut seen = stamps(&self.inner.files);
        // Registered now, before this returns, so a SIGHUP sent once the
        // server is up is never the default (fatal) one.
        #[cfg(unix)]
        let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP: TLS certificates reload only when the files change");
                None
            }
        };
        tokio::spawn(async move {
            loop {
                #[cfg(unix)]
                let hup = async {
                    match hangup.as_mut() {
                        Some(s) => s.recv().await,
                        None => std::future::pending().await,
                    }
                };
                #[cfg(not(unix))]
                let hup = std::future::pending::<Option<()>>();
                let tick = async {
                    match every {
                        Some(d) => tokio::time::sleep(d).await,
                        None => std::future::pending().await,
                    }
                };
                let signalled = tokio::select! {
                    () = stop.cancelled() => return,
                    _ = hup => true,
                    () = tick => false,
                };
                let Some(inner) = weak.upgrade() else { return };
                let now = stamps(&inner.files);
                if !signalled && now == seen {
                    continue;
                }
                // Remembered even when the reload fails: a half-written
                // file is retried when it changes again, not warned about
                // every tick.
                seen = now;
                let tls = TlsTermination { inner };
                match tls.reload() {
                    Ok(()) => tracing::info!(
                        cert = %tls.inner.files.cert_path.display(),
                        trigger = if signalled { "SIGHUP" } else { "file change" },
                        "TLS certificate reloaded"
                    ),
                    Err(e) => tracing::warn!(
                        error = %e,
                        "TLS certificate reload failed: still serving the previous certificate"
                    ),
                }
            }
        });
    }

    /// The TLS handshake on `io`, which must finish within `timeout` (a
    /// client that opens a connection and sends nothing holds it no
    /// longer). `None` when it fails or times out (logged at debug level:
    /// a client's mistake, e.g. plain HTTP to the HTTPS port).
    ///
    /// ```no_run
    /// # use mcp_serve::transport::http::{TlsFiles, TlsTermination};
    /// # #[tokio::main] async fn main() -> anyhow::Result<()> {
    /// let tls = TlsTermination::load(TlsFiles::new("fullchain.pem", "privkey.pem"))?;
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
    /// let (tcp, _) = listener.accept().await?;
    /// if let Some(stream) = tls.handshake(tcp, std::time::Duration::from_secs(10)).await {
    ///     let _ = stream.get_ref().1.alpn_protocol();
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn handshake<I>(&self, io: I, timeout: Duration) -> Option<tokio_rustls::server::TlsStream<I>>
    where
        I: AsyncRead + AsyncWrite + Unpin,
    {
        match tokio::time::timeout(timeout, self.inner.acceptor.accept(io)).await {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "TLS handshake failed: connection closed");
                None
            }
            Err(_) => {
                tracing::debug!("no TLS handshake within the header-read timeout: connection dropped");
                None
            }
        }
    }
}

/// What the watcher compares: each file's modification time and size.
type Stamp = Option<(SystemTime, u64)>;

fn stamps(files: &TlsFiles) -> (Stamp, Stamp) {
    // Follows symlinks: Kubernetes swaps a `..data` link on rotation.
    let stamp = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())))
    };
    (stamp(&files.cert_path), stamp(&files.key_path))
}

impl McpService {
    /// [`McpService::serve_connection_from`] behind TLS: the handshake
    /// first, within the header-read timeout, then the connection (HTTP/2
    /// or HTTP/1.1, as ALPN chose). What [`serve_listener`](super::serve_listener)
    /// does when [`HttpOptions::tls`](super::HttpOptions::tls) is set.
    ///
    /// ```no_run
    /// use mcp_serve::transport::http::{TlsFiles, TlsTermination};
    /// # #[tokio::main] async fn main() -> anyhow::Result<()> {
    /// let handle = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle()?;
    /// let service = handle.http_service(Default::default());
    /// let tls = TlsTermination::load(TlsFiles::new("fullchain.pem", "privkey.pem"))?;
    /// tls.watch();
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
    /// loop {
    ///     let (stream, peer) = listener.accept().await?;
    ///     tokio::spawn(service.serve_tls_connection_from(stream, peer, &tls));
    /// }
    /// # }
    /// ```
    pub fn serve_tls_connection_from<I>(
        &self,
        io: I,
        peer: SocketAddr,
        tls: &TlsTermination,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let service = self.clone();
        let tls = tls.clone();
        let timeout = self.limits().header_timeout;
        async move {
            if let Some(stream) = tls.handshake(io, timeout).await {
                service.serve_connection_from(stream, peer).await;
            }
        }
    }
}
