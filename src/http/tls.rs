//! HTTPS served directly with rustls: TLS 1.2 and 1.3 only, with the AEAD cipher suites of
//! rustls's aws-lc-rs provider (AES-GCM and ChaCha20-Poly1305, always with ECDHE key
//! exchange; rustls implements no CBC suite and no RSA key exchange).
//!
//! The certificate and key are read at start (a bad file stops the start with a one-line
//! error) and again when either file changes or the process gets SIGHUP. A reload affects
//! new connections only; connections already open keep theirs. A reload that fails leaves
//! the current certificate in place and says why in the log.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, SystemTime},
};

use futures_util::Stream;
use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, StatusCode, header},
    listener::{RustlsCertificate, RustlsConfig},
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

/// How often the files are checked for a change.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// `Strict-Transport-Security` sent when `HALSHOP_HSTS=true`: one year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The PEM files of the server's certificate chain and private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// Reads and checks both files: the chain parses, the key parses and belongs to it.
    pub fn load(&self) -> anyhow::Result<RustlsConfig> {
        let cert = std::fs::read(&self.cert).map_err(|err| {
            anyhow::anyhow!("HALSHOP_TLS_CERT={}: cannot read it ({err})", self.cert.display())
        })?;
        let key = std::fs::read(&self.key).map_err(|err| {
            anyhow::anyhow!("HALSHOP_TLS_KEY={}: cannot read it ({err})", self.key.display())
        })?;
        let chain = CertificateDer::pem_slice_iter(&cert)
            .collect::<Result<Vec<_>, _>>()
            .ok()
            .filter(|chain| !chain.is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "HALSHOP_TLS_CERT={}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)",
                    self.cert.display()
                )
            })?;
        let private = PrivateKeyDer::from_pem_slice(&key).map_err(|_| {
            anyhow::anyhow!(
                "HALSHOP_TLS_KEY={}: no PEM private key in it (PKCS#8, PKCS#1 or SEC1)",
                self.key.display()
            )
        })?;
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, private))
            .map_err(|err| {
                anyhow::anyhow!(
                    "HALSHOP_TLS_KEY={}: the key does not fit the certificate of HALSHOP_TLS_CERT={} ({err})",
                    self.key.display(),
                    self.cert.display()
                )
            })?;
        Ok(RustlsConfig::new().fallback(RustlsCertificate::new().cert(cert).key(key)))
    }

    fn modified(&self) -> Option<(SystemTime, SystemTime)> {
        let at = |path: &Path| std::fs::metadata(path).and_then(|meta| meta.modified()).ok();
        Some((at(&self.cert)?, at(&self.key)?))
    }

    /// The configuration now, then again after each change of the files or SIGHUP.
    pub fn watch(self, first: RustlsConfig) -> impl Stream<Item = RustlsConfig> + Send + 'static {
        let files = self;
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1);
        let _ = sender.try_send(first);
        tokio::spawn(async move {
            let mut seen = files.modified();
            let mut hangups = hangup_signals();
            loop {
                let hangup = tokio::select! {
                    _ = tokio::time::sleep(WATCH_EVERY) => false,
                    _ = next_hangup(&mut hangups) => true,
                };
                let now = files.modified();
                if !hangup && now == seen {
                    continue;
                }
                seen = now;
                match files.load() {
                    Ok(config) => {
                        tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded");
                        if sender.send(config).await.is_err() {
                            return;
                        }
                    }
                    Err(err) => tracing::warn!("{err:#}; still serving the previous certificate"),
                }
            }
        });
        futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
    }
}

#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = ();

#[cfg(unix)]
fn hangup_signals() -> Hangups {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

#[cfg(not(unix))]
fn hangup_signals() -> Hangups {}

#[cfg(unix)]
async fn next_hangup(hangups: &mut Hangups) {
    match hangups {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangups) {
    std::future::pending().await
}

/// Adds `Strict-Transport-Security` to every response when `enabled`.
pub async fn hsts<E: Endpoint>(ep: Arc<E>, req: Request, enabled: bool) -> poem::Result<Response> {
    let mut response = ep.call(req).await?.into_response();
    if enabled {
        response
            .headers_mut()
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    Ok(response)
}

/// The plain-HTTP listener of `--redirect-http`: every request is answered 308 with the
/// same path and query under `https_base`.
pub fn redirect_to(https_base: url::Url) -> impl Endpoint {
    poem::endpoint::make_sync(move |req: Request| {
        let target = https_base
            .join(
                req.uri()
                    .path_and_query()
                    .map_or("/", |path| path.as_str())
                    .trim_start_matches('/'),
            )
            .map(String::from)
            .unwrap_or_else(|_| https_base.to_string());
        Response::builder()
            .status(StatusCode::PERMANENT_REDIRECT)
            .header(header::LOCATION, target)
            .finish()
    })
}

/// The files `halshop dev-cert` wrote.
#[derive(Debug)]
pub struct DevCert {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Writes a development certificate authority (`ca.pem`) and a server certificate signed by
/// it (`cert.pem`, followed by the CA) with its key (`key.pem`, readable by the owner only),
/// valid for localhost, 127.0.0.1, ::1 and `hosts`. Clients trust `ca.pem`.
pub fn write_dev_cert(dir: &Path, hosts: &[String]) -> anyhow::Result<DevCert> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "halshop development CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    names.extend(
        hosts
            .iter()
            .map(|host| host.trim().to_owned())
            .filter(|h| !h.is_empty()),
    );
    let mut params = CertificateParams::new(names)?;
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;

    std::fs::create_dir_all(dir).map_err(|err| anyhow::anyhow!("cannot create {}: {err}", dir.display()))?;
    let written = DevCert {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))
    };
    write(&written.ca, ca.pem())?;
    write(&written.cert, format!("{}{}", cert.pem(), ca.pem()))?;
    write(&written.key, key.serialize_pem())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&written.key, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(written)
}
