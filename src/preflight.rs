//! Start-up checks: the settings an operator most often gets wrong, each reported in one line
//! that names the setting, what is wrong and the fix, before anything waits or retries.

use std::{
    net::{SocketAddr, ToSocketAddrs},
    path::{Path, PathBuf},
    time::Duration,
};

use sea_orm::DatabaseConnection;
use url::Url;

use crate::db;

/// How long a database server may take to accept a connection at start.
pub const CONNECT_WITHIN: Duration = Duration::from_secs(3);

/// Connects to `DATABASE_URL`, failing within [`CONNECT_WITHIN`] with a one-line error
/// naming the setting (password hidden), the cause and, where there is one, the fix.
pub async fn open_database(database_url: &str, pool_size: u32) -> anyhow::Result<DatabaseConnection> {
    let shown = redacted(database_url);
    let target = Target::of(database_url).map_err(|why| anyhow::anyhow!("DATABASE_URL={shown}: {why}"))?;
    target
        .check()
        .await
        .map_err(|why| anyhow::anyhow!("DATABASE_URL={shown}: {why}"))?;
    db::connect(database_url, pool_size)
        .await
        .map_err(|err| anyhow::anyhow!("DATABASE_URL={shown}: {}", target.refusal(&innermost(&err))))
}

/// What a database URL points at.
enum Target {
    Sqlite { file: Option<PathBuf>, creates: bool },
    Postgres { host: String, port: u16 },
}

impl Target {
    fn of(database_url: &str) -> Result<Self, String> {
        let url = Url::parse(database_url).map_err(|err| {
            format!(
                "not a database URL ({err}); use sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DATABASE"
            )
        })?;
        match url.scheme() {
            "sqlite" => {
                let creates = url
                    .query_pairs()
                    .any(|(key, value)| key == "mode" && value == "rwc");
                let path = database_url["sqlite:".len()..].trim_start_matches("//");
                let path = path.split('?').next().unwrap_or_default();
                let file = (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path));
                Ok(Target::Sqlite { file, creates })
            }
            "postgres" | "postgresql" => Ok(Target::Postgres {
                host: url.host_str().unwrap_or("localhost").to_owned(),
                port: url.port().unwrap_or(5432),
            }),
            other => Err(format!(
                "unsupported database {other:?}; use sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DATABASE"
            )),
        }
    }

    /// Refuses at once what would otherwise fail after a long wait or with a bare message.
    async fn check(&self) -> Result<(), String> {
        match self {
            Target::Sqlite {
                file: Some(file),
                creates,
            } => sqlite_file_usable(file, *creates),
            Target::Sqlite { file: None, .. } => Ok(()),
            Target::Postgres { host, port } => reachable(host, *port).await,
        }
    }

    /// The database's own words on why it refused, with the fix where it is clear.
    fn refusal(&self, cause: &str) -> String {
        match self {
            Target::Sqlite { file, .. } => {
                let file = file.as_deref().map(absolute).unwrap_or_default();
                format!("cannot open the SQLite database {} ({cause})", file.display())
            }
            Target::Postgres { host, port } => {
                format!("PostgreSQL at {host}:{port} refused the connection: {cause}")
            }
        }
    }
}

fn sqlite_file_usable(file: &Path, creates: bool) -> Result<(), String> {
    let shown = absolute(file);
    if file.exists() {
        return Ok(());
    }
    let parent = shown.parent().unwrap_or(Path::new("/"));
    if !parent.is_dir() {
        return Err(format!(
            "the directory {} of the SQLite file does not exist; create it first",
            parent.display()
        ));
    }
    if !creates {
        return Err(format!(
            "the SQLite file {} does not exist; add ?mode=rwc to the URL to create it",
            shown.display()
        ));
    }
    Ok(())
}

/// Whether a TCP connection to the server opens within [`CONNECT_WITHIN`].
async fn reachable(host: &str, port: u16) -> Result<(), String> {
    let name = format!("{host}:{port}");
    let lookup = tokio::task::spawn_blocking({
        let name = name.clone();
        move || {
            name.to_socket_addrs()
                .map(|addrs| addrs.collect::<Vec<SocketAddr>>())
        }
    });
    let addrs = match tokio::time::timeout(CONNECT_WITHIN, lookup).await {
        Ok(Ok(Ok(addrs))) if !addrs.is_empty() => addrs,
        Ok(Ok(Ok(_))) | Ok(Ok(Err(_))) | Ok(Err(_)) => {
            return Err(format!(
                "cannot find the PostgreSQL host {host:?} (name lookup failed)"
            ));
        }
        Err(_) => return Err(format!("cannot find the PostgreSQL host {host:?} within 3 s")),
    };
    let mut why = String::from("no answer");
    for addr in addrs {
        match tokio::time::timeout(CONNECT_WITHIN, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
                why = "connection refused".into()
            }
            Ok(Err(err)) => why = err.kind().to_string(),
            Err(_) => why = "no answer".into(),
        }
    }
    Err(format!(
        "cannot connect to PostgreSQL at {name} ({why}) within {} s",
        CONNECT_WITHIN.as_secs()
    ))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// The URL with its password replaced by `***`.
pub fn redacted(database_url: &str) -> String {
    match Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => database_url.to_owned(),
    }
}

/// The deepest cause of an error: the part that says what actually happened, without the
/// wrappers that repeat it.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = err;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    let text = deepest.to_string();
    let text = text
        .strip_prefix("error returned from database: ")
        .unwrap_or(&text);
    // PostgreSQL's messages end with the line of its own source that raised them.
    match text.rsplit_once(" at line ") {
        Some((message, line)) if line.bytes().all(|b| b.is_ascii_digit()) => message.to_owned(),
        _ => text.to_owned(),
    }
}

/// An error and its causes on one line, each cause said once: a cause whose text its parent
/// already quotes is left out.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    line.replace('\n', " ")
}

/// Warns when the downloads' directory is missing or unreadable: downloads would answer 503.
pub fn check_content_dir(dir: &Path) {
    let shown = absolute(dir);
    match std::fs::read_dir(dir) {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => tracing::warn!(
            "CONTENT_DIR={}: the directory does not exist; downloads will answer 503 until it holds the files (<isbn>.<format>)",
            shown.display()
        ),
        Err(err) => tracing::warn!(
            "CONTENT_DIR={}: cannot read the directory ({}); downloads will answer 503",
            shown.display(),
            err.kind()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_database_url_is_hidden() {
        assert_eq!(
            redacted("postgres://shop:hunter2@db:5432/halshop"),
            "postgres://shop:***@db:5432/halshop"
        );
    }

    #[test]
    fn a_cause_quoted_by_its_parent_is_said_once() {
        let err = anyhow::anyhow!("relation \"x\" does not exist")
            .context("cannot apply migrations: relation \"x\" does not exist");
        assert_eq!(
            one_line(&err),
            "cannot apply migrations: relation \"x\" does not exist"
        );
    }

    #[tokio::test]
    async fn a_refused_postgresql_port_is_reported_within_three_seconds() {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = free.local_addr().unwrap().port();
        drop(free);
        let started = std::time::Instant::now();
        let err = open_database(&format!("postgres://postgres@127.0.0.1:{port}/x"), 1)
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(4));
        assert_eq!(
            err.to_string(),
            format!(
                "DATABASE_URL=postgres://postgres@127.0.0.1:{port}/x: cannot connect to PostgreSQL at 127.0.0.1:{port} (connection refused) within 3 s"
            )
        );
    }

    #[tokio::test]
    async fn a_missing_sqlite_file_without_create_mode_names_the_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shop.db");
        let err = open_database(&format!("sqlite://{}", file.display()), 1)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "DATABASE_URL=sqlite://{0}: the SQLite file {0} does not exist; add ?mode=rwc to the URL to create it",
                file.display()
            )
        );
    }
}
