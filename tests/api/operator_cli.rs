//! What an operator sees: merchant administration from the command line, start-up errors
//! in one line each, and help that stays to the point.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{
    MerchantCredentials, Who,
    cli::{halshop, json_stdout, keys, run_on, stderr},
    spawn_app,
};

#[tokio::test]
async fn merchant_list_prints_every_merchant_without_secrets() {
    let app = spawn_app().await;
    let first = app.merchant_named("Librairie du Quartier").await;
    app.merchant_named("Second shop").await;

    let listed = json_stdout(&run_on(&app.database_url, &["merchant", "list", "--json"]));
    let rows = listed.as_array().expect("an array");
    assert_eq!(rows.len(), 2, "{listed}");
    assert_eq!(
        keys(&rows[0]),
        ["app_key", "can_refund", "created_at", "name", "sale_state", "uid"]
    );
    assert_eq!(rows[0]["app_key"], first.app_key.as_str());
    assert_eq!(rows[0]["name"], "Librairie du Quartier");
    assert_eq!(rows[1]["name"], "Second shop");
    assert!(!listed.to_string().contains(&first.secret));
}

#[tokio::test]
async fn a_rotated_secret_authenticates_and_the_old_one_no_longer_does() {
    let app = spawn_app().await;
    let old = app.merchant().await;
    let args = ["merchant", "rotate-secret", old.app_key.as_str(), "--json"];
    let rotated = json_stdout(&run_on(&app.database_url, &args));
    assert_eq!(keys(&rotated), ["app_key", "secret", "uid"]);
    assert_eq!(rotated["app_key"], old.app_key.as_str());
    let new = MerchantCredentials {
        app_key: old.app_key.clone(),
        secret: rotated["secret"].as_str().unwrap().to_owned(),
    };
    assert_ne!(new.secret, old.secret);

    let refused = app.get_as(Who::Merchant(&old), "/orders").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let listing = app.get_as(Who::Merchant(&new), "/orders").await;
    assert_eq!(listing.status(), StatusCode::OK);
}

#[tokio::test]
async fn rotating_the_secret_of_an_unknown_app_key_says_how_to_find_the_keys() {
    let app = spawn_app().await;
    let output = run_on(
        &app.database_url,
        &["merchant", "rotate-secret", "mk_nobody", "--json"],
    );
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output),
        "halshop: no merchant has the app key \"mk_nobody\"; `halshop merchant list` shows them\n"
    );
}

#[test]
fn a_refused_postgresql_port_is_one_line_naming_the_setting_within_three_seconds() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let url = format!("postgres://halshop:hunter2@127.0.0.1:{port}/shop");
    let started = Instant::now();
    let output = halshop(&["migrate"]).env("DATABASE_URL", &url).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        format!(
            "halshop: DATABASE_URL=postgres://halshop:***@127.0.0.1:{port}/shop: cannot connect to PostgreSQL at 127.0.0.1:{port} (connection refused) within 3 s\n"
        )
    );
}

#[test]
fn a_missing_sqlite_directory_is_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("missing").join("shop.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let output = halshop(&["migrate"]).env("DATABASE_URL", &url).output().unwrap();
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        format!(
            "halshop: DATABASE_URL={url}: the directory {} of the SQLite file does not exist; create it first\n",
            dir.path().join("missing").display()
        )
    );
}

#[test]
fn a_subcommand_help_lists_only_its_own_options_and_points_at_the_settings() {
    let output = halshop(&["merchant", "create", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("--name <NAME>"), "{help}");
    assert!(!help.contains("--bind"), "{help}");
    assert!(!help.contains("HALSHOP_"), "{help}");
    assert!(help.contains("see `halshop --help`"), "{help}");
}

#[test]
fn help_shows_no_value_for_an_unset_variable() {
    let output = halshop(&["--help"]).env_remove("HALSHOP_BIND").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("[env: HALSHOP_BIND]"), "{help}");
    assert!(!help.contains("HALSHOP_BIND="), "{help}");
}

#[test]
fn a_setting_may_follow_the_subcommand() {
    let args = ["halshop", "serve", "--bind", ":0", "--seed-demo=false"].map(Into::into);
    let hoisted = halshop::config::hoist_settings(args.to_vec());
    let hoisted: Vec<_> = hoisted.iter().map(|arg| arg.to_str().unwrap()).collect();
    assert_eq!(hoisted, ["halshop", "--bind", ":0", "--seed-demo=false", "serve"]);
}

/// Starts `halshop serve` on a fresh SQLite file, waits for its banner, stops it, and
/// returns what it printed on stdout and stderr.
fn serve_once(content_dir: &std::path::Path) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, stdout) = serving(dir.path(), content_dir);
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    (stdout, String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Starts `halshop serve` on a fresh SQLite file in `dir` with its output piped, and returns
/// it once it is serving, with what it printed on stdout up to its banner.
fn serving(dir: &std::path::Path, content_dir: &std::path::Path) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let url = format!("sqlite://{}?mode=rwc", dir.join("shop.db").display());
    let mut child = halshop(&["serve"])
        .env("DATABASE_URL", &url)
        .env("HALSHOP_BIND", "127.0.0.1:0")
        .env("CONTENT_DIR", content_dir)
        .env("HALSHOP_SEED_DEMO", "false")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        stdout.push_str(&line);
        stdout.push('\n');
        if line.starts_with("halshop is serving") {
            break;
        }
    }
    // The rest is read too: a closed pipe would fail halshop's next line on stdout.
    std::thread::spawn(move || lines.for_each(drop));
    (child, stdout)
}

#[test]
fn a_missing_content_dir_is_named_in_a_warning_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-content");
    let (stdout, stderr) = serve_once(&missing);
    assert!(stdout.contains("halshop is serving"), "{stdout}");
    let warning = stderr
        .lines()
        .find(|line| line.contains("CONTENT_DIR="))
        .unwrap_or_else(|| panic!("no CONTENT_DIR warning in {stderr}"));
    assert!(warning.contains(&missing.display().to_string()), "{warning}");
    assert!(warning.contains("does not exist"), "{warning}");
}

#[test]
fn logs_written_to_a_file_or_pipe_have_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr) = serve_once(dir.path());
    assert!(stderr.contains("listening"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn a_request_line_reaches_a_log_file_within_a_moment_while_halshop_serves() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let (mut child, stdout) = serving(dir.path(), dir.path());
    let banner = stdout.lines().last().expect("a banner");
    let address = banner
        .trim_start_matches("halshop is serving http://")
        .trim_end_matches('/');
    let (lines, logged) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /rels/orders HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // The answer is read to its end or to the first error (the server may close first).
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{read:?} {answer}");
    let deadline = Instant::now() + Duration::from_secs(3);
    let line = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match logged.recv_timeout(left) {
            Ok(line) if line.contains("path=/rels/orders") => break Some(line),
            Ok(_) => continue,
            Err(_) => break None,
        }
    };
    child.kill().unwrap();
    let _ = child.wait();
    let line = line.expect("the request's line within 3 s");
    assert!(line.contains("halshop::requests: served"), "{line}");
    assert!(line.contains("status=200"), "{line}");
}
