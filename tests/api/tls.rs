//! HTTPS served directly: a real TLS client trusting the development CA, the protocol and
//! cipher policy probed with `openssl s_client`, certificate reload, HSTS and the redirect.

use std::{path::Path, process::Command, time::Duration};

use reqwest::StatusCode;

use crate::helpers::{TestApp, cli::halshop, spawn_app_with};

/// Runs `halshop dev-cert --dir dir`.
fn dev_cert(dir: &Path) {
    let output = halshop(&["dev-cert", "--dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A client that trusts only the CA in `dir`.
fn client_trusting(dir: &Path) -> reqwest::Client {
    let ca = std::fs::read(dir.join("ca.pem")).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn port_of(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

async fn https_app(certs: &Path, configure: impl FnOnce(&mut halshop::config::Settings)) -> TestApp {
    let (cert, key) = (certs.join("cert.pem"), certs.join("key.pem"));
    spawn_app_with(move |settings| {
        settings.tls_cert = Some(cert);
        settings.tls_key = Some(key);
        configure(settings);
    })
    .await
}

#[tokio::test]
async fn a_tls_client_trusting_the_development_ca_reads_the_api_over_https() {
    let certs = tempfile::tempdir().unwrap();
    dev_cert(certs.path());
    let app = https_app(certs.path(), |_| {}).await;
    let url = format!("https://localhost:{}/", port_of(&app));
    let response = client_trusting(certs.path()).get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("strict-transport-security").is_none());
    let root: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        root["_links"]["self"]["href"],
        format!("https://127.0.0.1:{}/", port_of(&app))
    );
}

#[tokio::test]
async fn hsts_is_sent_when_asked_for() {
    let certs = tempfile::tempdir().unwrap();
    dev_cert(certs.path());
    let app = https_app(certs.path(), |settings| settings.hsts = true).await;
    let url = format!("https://localhost:{}/health/live", port_of(&app));
    let response = client_trusting(certs.path()).get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

/// Whether `openssl s_client` completes a handshake with `args`.
fn openssl_handshakes(port: u16, args: &[&str]) -> bool {
    let output = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
        ])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl is installed");
    let text = String::from_utf8_lossy(&output.stdout);
    output.status.success() && !text.contains("Cipher is (NONE)")
}

#[tokio::test]
async fn tls_1_1_and_cbc_suites_are_refused_and_tls_1_2_with_gcm_is_accepted() {
    let certs = tempfile::tempdir().unwrap();
    dev_cert(certs.path());
    let app = https_app(certs.path(), |_| {}).await;
    let port = port_of(&app);
    let probe = move |args: &'static [&'static str]| {
        tokio::task::spawn_blocking(move || openssl_handshakes(port, args))
    };
    assert!(!probe(&["-tls1_1"]).await.unwrap(), "TLS 1.1 must be refused");
    let cbc = &[
        "-tls1_2",
        "-cipher",
        "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384",
    ];
    assert!(!probe(cbc).await.unwrap(), "CBC suites must be refused");
    let rsa_kx = &["-tls1_2", "-cipher", "AES128-GCM-SHA256"];
    assert!(!probe(rsa_kx).await.unwrap(), "RSA key exchange must be refused");
    assert!(
        probe(&["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"])
            .await
            .unwrap()
    );
    assert!(probe(&["-tls1_3"]).await.unwrap());
}

#[tokio::test]
async fn a_replaced_certificate_is_served_to_new_connections_without_a_restart() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    dev_cert(first.path());
    dev_cert(second.path());
    let app = https_app(first.path(), |_| {}).await;
    let url = format!("https://localhost:{}/health/live", port_of(&app));
    assert!(client_trusting(second.path()).get(&url).send().await.is_err());

    for name in ["cert.pem", "key.pem"] {
        std::fs::copy(second.path().join(name), first.path().join(name)).unwrap();
    }
    let mut status = None;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Ok(response) = client_trusting(second.path()).get(&url).send().await {
            status = Some(response.status());
            break;
        }
    }
    assert_eq!(
        status,
        Some(StatusCode::OK),
        "the new certificate was not served within 10 s"
    );
}

#[tokio::test]
async fn a_certificate_file_without_a_certificate_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, "not a certificate").unwrap();
    std::fs::write(&key, "not a key").unwrap();
    let mut settings = halshop::config::Settings::for_database("sqlite::memory:");
    settings.tls_cert = Some(cert.clone());
    settings.tls_key = Some(key);
    let err = halshop::startup::Application::build(settings)
        .await
        .err()
        .unwrap();
    assert_eq!(
        halshop::preflight::one_line(&err),
        format!(
            "HALSHOP_TLS_CERT={}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)",
            cert.display()
        )
    );
}

#[tokio::test]
async fn plain_http_on_the_redirect_address_is_sent_to_https_with_308() {
    let certs = tempfile::tempdir().unwrap();
    dev_cert(certs.path());
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect = free.local_addr().unwrap();
    drop(free);
    let app = https_app(certs.path(), |settings| {
        settings.redirect_http = Some(redirect.to_string())
    })
    .await;
    let response = app
        .client
        .get(format!("http://{redirect}/products?page=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        response.headers()["location"],
        format!("https://127.0.0.1:{}/products?page=2", port_of(&app)).as_str()
    );
}
