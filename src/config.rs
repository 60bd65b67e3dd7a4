//! Typed configuration: every option is a flag and an environment variable.

use std::{net::SocketAddr, path::PathBuf};

use clap::{
    ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum,
    builder::BoolishValueParser,
};
use url::Url;

use crate::http::connections::ConnectionLimits;

/// halshop: a HAL hypermedia shopping API for selling digital goods and handling refunds.
#[derive(Debug, Parser)]
#[command(name = "halshop", version, about, long_about = None)]
#[command(subcommand_help_heading = "Commands")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Shown under every subcommand's help instead of the settings themselves.
const SETTINGS_HINT: &str =
    "Settings such as --database-url (DATABASE_URL) apply to every command: see `halshop --help`.";

impl Cli {
    /// Parses the process arguments. Settings may also follow the subcommand
    /// (`halshop serve --bind :0`): they are moved before it, so that a subcommand's help
    /// lists only its own options.
    pub fn from_args() -> Self {
        // An unset variable would otherwise show as `[env: NAME=]`.
        let command = Self::command().mut_args(|arg| arg.hide_env_values(true));
        let matches = with_hint(command).get_matches_from(hoist_settings(std::env::args_os().collect()));
        Self::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
    }
}

/// Every subcommand's help ends with [`SETTINGS_HINT`].
fn with_hint(command: clap::Command) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    names.into_iter().fold(command, |command, name| {
        command.mut_subcommand(name, |sub| with_hint(sub.after_help(SETTINGS_HINT)))
    })
}

/// Moves the settings flags that follow the subcommand in front of it.
pub fn hoist_settings(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let settings: Vec<String> = Settings::augment_args(clap::Command::new("halshop"))
        .get_arguments()
        .filter_map(|arg| arg.get_long().map(|long| format!("--{long}")))
        .collect();
    let is_setting = |arg: &str| {
        let flag = arg.split('=').next().unwrap_or(arg);
        settings.iter().any(|known| known == flag)
    };
    let mut index = 1;
    while let Some(arg) = args.get(index).and_then(|arg| arg.to_str()) {
        match arg {
            _ if is_setting(arg) && !arg.contains('=') => index += 2,
            _ if arg.starts_with('-') => index += 1,
            _ => break,
        }
    }
    if index >= args.len() {
        return args;
    }
    let (mut front, rest) = (args[..=index].to_vec(), &args[index + 1..]);
    let mut kept = Vec::new();
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match arg.to_str() {
            Some("--") => {
                kept.push(arg.clone());
                kept.extend(rest.by_ref().cloned());
            }
            Some(text) if is_setting(text) => {
                front.insert(index, arg.clone());
                index += 1;
                if !text.contains('=')
                    && let Some(value) = rest.next()
                {
                    front.insert(index, value.clone());
                    index += 1;
                }
            }
            _ => kept.push(arg.clone()),
        }
    }
    front.extend(kept);
    front
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database to use: a SQLite file or a PostgreSQL server.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://halshop.db?mode=rwc",
        hide_env_values = true
    )]
    pub database_url: String,

    /// Listen address; a port of 0 (e.g. `:0`) picks a free port and logs it.
    #[arg(long, env = "HALSHOP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Base of every absolute link (default: `http://<bind>`).
    #[arg(long, env = "HALSHOP_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// Seed the demo merchant, store and catalogue into an empty database.
    #[arg(
        long,
        env = "HALSHOP_SEED_DEMO",
        default_value = "true",
        value_parser = BoolishValueParser::new(),
        action = ArgAction::Set
    )]
    pub seed_demo: bool,

    /// Directory holding the files served by downloads (`<isbn>.<format>`).
    #[arg(long, env = "CONTENT_DIR", default_value = "./content")]
    pub content_dir: PathBuf,

    /// Comma-separated origins allowed to call the API from a browser, or `*`.
    #[arg(long, env = "HALSHOP_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Log format.
    #[arg(long, env = "HALSHOP_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "HALSHOP_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,

    /// Database connection pool size.
    #[arg(long, env = "HALSHOP_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// Issuer of customer tokens (a Cognito user pool URL). Unset: the development identity
    /// provider is active.
    #[arg(long, env = "COGNITO_ISSUER")]
    pub cognito_issuer: Option<String>,

    /// JWKS document of the issuer (default `<COGNITO_ISSUER>/.well-known/jwks.json`).
    #[arg(long, env = "COGNITO_JWKS_URL")]
    pub cognito_jwks_url: Option<Url>,

    /// Comma-separated app client ids whose tokens are accepted (`client_id` of access
    /// tokens, `aud` of id tokens). Required with COGNITO_ISSUER.
    #[arg(long, env = "COGNITO_CLIENT_IDS", value_delimiter = ',')]
    pub cognito_client_ids: Vec<String>,

    /// Which Cognito token customers present: `access` or `id`.
    #[arg(long, env = "COGNITO_TOKEN_USE", value_enum, default_value = "access")]
    pub cognito_token_use: TokenUseArg,

    /// Shared secret of payment-provider notifications (HMAC-SHA256 of the body). Unset: a
    /// secret is generated once, stored in the database and logged (development).
    #[arg(long, env = "PAYMENT_WEBHOOK_SECRET", hide_env_values = true)]
    pub payment_webhook_secret: Option<String>,

    /// How long an unpaid order holds its ticket places, in minutes (a decimal, e.g. `0.5`
    /// for 30 seconds). Past it the order expires and its places go back on sale.
    #[arg(long, env = "HALSHOP_HOLD_MINUTES", default_value_t = 15.0, value_parser = parse_hold_minutes)]
    pub hold_minutes: f64,

    /// Seconds of clock skew tolerated on a token's expiry.
    #[arg(long, env = "COGNITO_LEEWAY_SECONDS", default_value_t = 30)]
    pub cognito_leeway_seconds: u64,

    /// PEM certificate chain: with HALSHOP_TLS_KEY, serve HTTPS (TLS 1.2/1.3, AEAD suites
    /// only). Reloaded when the file changes or on SIGHUP.
    #[arg(long, env = "HALSHOP_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of HALSHOP_TLS_CERT.
    #[arg(long, env = "HALSHOP_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Send `Strict-Transport-Security` (one year, subdomains included).
    #[arg(
        long,
        env = "HALSHOP_HSTS",
        default_value = "false",
        value_parser = BoolishValueParser::new(),
        action = ArgAction::Set
    )]
    pub hsts: bool,

    /// Also listen on this address for plain HTTP and answer every request with a 308
    /// redirect to the HTTPS address (needs HALSHOP_TLS_CERT).
    #[arg(long, env = "HALSHOP_REDIRECT_HTTP", requires = "tls_cert")]
    pub redirect_http: Option<String>,

    /// Allow webhook endpoints on http:// and on loopback, private or link-local addresses
    /// (development only: in production such a URL is refused, and so is a host that
    /// resolves to such an address when a delivery is sent).
    #[arg(
        long,
        env = "HALSHOP_ALLOW_HTTP_WEBHOOKS",
        default_value = "false",
        value_parser = BoolishValueParser::new(),
        action = ArgAction::Set
    )]
    pub allow_http_webhooks: bool,

    /// Shrinks every webhook retry delay and the 3-day retry window by this factor (0 < x ≤ 1;
    /// e.g. `0.001` makes 3 days about 4 minutes), for tests and demonstrations.
    #[arg(long, env = "HALSHOP_WEBHOOK_RETRY_SCALE", default_value_t = 1.0, value_parser = parse_retry_scale)]
    pub webhook_retry_scale: f64,

    /// Mails and daily sales summaries.
    #[command(flatten)]
    pub workers: crate::workers::WorkerSettings,

    /// Limits on client connections: fixed constants (see the README), set by embedders and
    /// tests only.
    #[arg(skip)]
    pub connections: ConnectionLimits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenUseArg {
    Access,
    Id,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, seed the demo data if the database is empty, and serve (default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Manage merchants.
    #[command(subcommand)]
    Merchant(MerchantCommand),
    /// Manage point-of-sale stores.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Manage the libraries that buy licences and lend them.
    #[command(subcommand)]
    Library(LibraryCommand),
    /// Manage the keys that sign ticket QR codes.
    #[command(subcommand)]
    TicketKeys(TicketKeysCommand),
    /// Write a self-signed certificate authority and a certificate for localhost signed by
    /// it, for local HTTPS: `ca.pem`, `cert.pem` (with the chain) and `key.pem`.
    DevCert {
        /// Directory to write the files into (created if missing).
        #[arg(long, default_value = "./tls")]
        dir: PathBuf,
        /// Extra host names or IP addresses the certificate is valid for.
        #[arg(long = "host")]
        hosts: Vec<String>,
    },
    /// Print a customer token from the development identity provider (only when
    /// COGNITO_ISSUER is unset). Set HALSHOP_PUBLIC_URL as the server has it.
    DevToken(DevToken),
    /// Write N completed orders (with their lines and deliveries) for a few customers, to
    /// measure halshop on a large database. Seeds the demo data first into an empty database.
    DevSeedOrders(DevSeedOrders),
}

#[derive(Debug, Subcommand)]
pub enum TicketKeysCommand {
    /// Start a new Ed25519 signing key: new tickets are signed with it; the older keys stay
    /// published at /.well-known/ticket-keys for the tickets they signed.
    Rotate {
        /// Print machine-readable JSON: `{"kid":…,"x":…}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct DevSeedOrders {
    /// How many orders to write.
    pub count: u64,
    /// How many customers (`seed-customer-1` …) the orders are shared among (default: one
    /// per 200 orders, at least one, so that a customer has as many orders in a large
    /// database as in a small one).
    #[arg(long)]
    pub customers: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Register a store of a merchant and print its token (shown only once).
    Create(StoreCreate),
}

#[derive(Debug, Args)]
pub struct StoreCreate {
    /// The app key of the merchant the store belongs to.
    #[arg(long)]
    pub merchant: String,
    /// The store's SAN (hyphens allowed), e.g. 123-4560.
    #[arg(long)]
    pub san: String,
    /// Display name of the store.
    #[arg(long, default_value = "Bookstore")]
    pub name: String,
    /// Print machine-readable JSON: `{"uid":…,"san":…,"token":…}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// Register a library of a merchant and print its api key and secret (shown only once).
    Create(LibraryCreate),
}

#[derive(Debug, Args)]
pub struct LibraryCreate {
    /// The app key of the merchant the library buys from.
    #[arg(long)]
    pub merchant: String,
    /// The library's name (written into the books it lends).
    #[arg(long)]
    pub name: String,
    /// Print machine-readable JSON: `{"uid":…,"api_key":…,"secret":…}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DevToken {
    /// The customer id (`sub`) of the token.
    #[arg(long)]
    pub sub: String,
    /// E-mail address carried by the token.
    #[arg(long)]
    pub email: Option<String>,
    /// Lifetime: `90s`, `15m`, `1h`, `7d`.
    #[arg(long, default_value = "1h")]
    pub ttl: String,
}

#[derive(Debug, Subcommand)]
pub enum MerchantCommand {
    /// Create a merchant and print its credentials (the secret is shown only once).
    Create(MerchantCreate),
    /// List the merchants: uid, name, app key, sale state (never secrets).
    List {
        /// Print machine-readable JSON: an array of `{"uid","name","app_key","sale_state","can_refund","created_at"}`.
        #[arg(long)]
        json: bool,
    },
    /// Give a merchant a new secret and print it (shown only once); the old one stops working.
    RotateSecret {
        /// The app key of the merchant.
        app_key: String,
        /// Print machine-readable JSON: `{"uid":…,"app_key":…,"secret":…}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct MerchantCreate {
    /// Display name of the merchant.
    #[arg(long)]
    pub name: String,
    /// Allow this merchant to refund sales.
    #[arg(long)]
    pub can_refund: bool,
    /// Put the place of a ticket refunded without keeping it back on sale.
    #[arg(long)]
    pub resell_refunded: bool,
    /// Whether sales are test sales or live sales.
    #[arg(long, value_enum, default_value = "test")]
    pub sale_state: SaleStateArg,
    /// Customer-service e-mail address shown to buyers.
    #[arg(long, default_value = "support@example.com")]
    pub support_email: String,
    /// Customer-service phone number shown to buyers.
    #[arg(long, default_value = "+1 514 555 0100")]
    pub support_phone: String,
    /// IANA time zone of the merchant's days (daily sales reports), e.g. Europe/Amsterdam.
    #[arg(long, default_value = "UTC", value_parser = parse_time_zone)]
    pub time_zone: String,
    /// Print machine-readable JSON: `{"uid":…,"app_key":…,"secret":…}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SaleStateArg {
    Test,
    Live,
}

/// An IANA time zone name, as the tz database spells it.
fn parse_time_zone(text: &str) -> Result<String, String> {
    crate::domain::reports::MerchantZone::parse(text.trim())
        .map(|zone| zone.name().to_owned())
        .ok_or_else(|| format!("{text:?} is not an IANA time zone such as Europe/Amsterdam or UTC"))
}

/// A hold of more than 0 and at most 7 days (10080 minutes).
fn parse_hold_minutes(text: &str) -> Result<f64, String> {
    let minutes: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of minutes"))?;
    if minutes.is_finite() && minutes > 0.0 && minutes <= 10_080.0 {
        Ok(minutes)
    } else {
        Err("a hold is more than 0 and at most 10080 minutes (7 days)".into())
    }
}

/// A retry scale of more than 0 and at most 1.
fn parse_retry_scale(text: &str) -> Result<f64, String> {
    let scale: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if scale.is_finite() && scale > 0.0 && scale <= 1.0 {
        Ok(scale)
    } else {
        Err("the webhook retry scale is more than 0 and at most 1".into())
    }
}

impl Settings {
    /// The socket address to bind. `:PORT` means the loopback interface.
    pub fn bind_addr(&self) -> anyhow::Result<SocketAddr> {
        let text = if self.bind.starts_with(':') {
            format!("127.0.0.1{}", self.bind)
        } else {
            self.bind.clone()
        };
        text.parse()
            .map_err(|err| anyhow::anyhow!("HALSHOP_BIND {:?} is not an address: {err}", self.bind))
    }

    /// The certificate and key files when HTTPS is configured.
    pub fn tls_files(&self) -> Option<crate::http::tls::TlsFiles> {
        Some(crate::http::tls::TlsFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
        })
    }

    /// The base of every absolute link when the server listens on `local`.
    pub fn public_base(&self, local: SocketAddr) -> anyhow::Result<Url> {
        let scheme = if self.tls_cert.is_some() { "https" } else { "http" };
        match &self.public_url {
            Some(url) => Ok(url.clone()),
            None => Url::parse(&format!("{scheme}://{local}"))
                .map_err(|err| anyhow::anyhow!("bind address is not a URL host: {err}")),
        }
    }

    /// Settings for tests and embedding: an explicit database, port 0, no demo data.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind: "127.0.0.1:0".into(),
            public_url: None,
            seed_demo: false,
            content_dir: PathBuf::from("./content"),
            cors_origins: Vec::new(),
            log_format: LogFormat::Text,
            max_body_bytes: 256 * 1024,
            db_pool_size: 5,
            cognito_issuer: None,
            cognito_jwks_url: None,
            cognito_client_ids: Vec::new(),
            cognito_token_use: TokenUseArg::Access,
            cognito_leeway_seconds: 30,
            payment_webhook_secret: None,
            hold_minutes: 15.0,
            tls_cert: None,
            tls_key: None,
            hsts: false,
            redirect_http: None,
            allow_http_webhooks: false,
            webhook_retry_scale: 1.0,
            workers: Default::default(),
            connections: ConnectionLimits::default(),
        }
    }

    /// When webhook deliveries are retried.
    pub fn webhook_schedule(&self) -> crate::domain::webhooks::Schedule {
        crate::domain::webhooks::Schedule {
            scale: self.webhook_retry_scale,
        }
    }

    /// How long an unpaid order holds its ticket places.
    pub fn hold(&self) -> chrono::Duration {
        chrono::Duration::milliseconds((self.hold_minutes * 60_000.0).round() as i64)
    }
}
