//! Typed configuration: every option is a flag and an environment variable.

use std::{net::SocketAddr, path::PathBuf};

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum, builder::BoolishValueParser};
use url::Url;

use crate::http::connections::ConnectionLimits;

/// halshop: a HAL hypermedia shopping API for selling digital goods and handling refunds.
#[derive(Debug, Parser)]
#[command(name = "halshop", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database to use: a SQLite file or a PostgreSQL server.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://halshop.db?mode=rwc",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,

    /// Listen address; a port of 0 (e.g. `:0`) picks a free port and logs it.
    #[arg(long, env = "HALSHOP_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,

    /// Base of every absolute link (default: `http://<bind>`).
    #[arg(long, env = "HALSHOP_PUBLIC_URL", global = true)]
    pub public_url: Option<Url>,

    /// Seed the demo merchant, store and catalogue into an empty database.
    #[arg(
        long,
        env = "HALSHOP_SEED_DEMO",
        default_value = "true",
        value_parser = BoolishValueParser::new(),
        action = ArgAction::Set,
        global = true
    )]
    pub seed_demo: bool,

    /// Directory holding the files served by downloads (`<isbn>.<format>`).
    #[arg(long, env = "CONTENT_DIR", default_value = "./content", global = true)]
    pub content_dir: PathBuf,

    /// Comma-separated origins allowed to call the API from a browser, or `*`.
    #[arg(long, env = "HALSHOP_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,

    /// Log format.
    #[arg(
        long,
        env = "HALSHOP_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "HALSHOP_MAX_BODY_BYTES", default_value_t = 256 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Database connection pool size.
    #[arg(long, env = "HALSHOP_DB_POOL_SIZE", default_value_t = 10, global = true)]
    pub db_pool_size: u32,

    /// Issuer of customer tokens (a Cognito user pool URL). Unset: the development identity
    /// provider is active.
    #[arg(long, env = "COGNITO_ISSUER", global = true)]
    pub cognito_issuer: Option<String>,

    /// JWKS document of the issuer (default `<COGNITO_ISSUER>/.well-known/jwks.json`).
    #[arg(long, env = "COGNITO_JWKS_URL", global = true)]
    pub cognito_jwks_url: Option<Url>,

    /// Comma-separated app client ids whose tokens are accepted (`client_id` of access
    /// tokens, `aud` of id tokens). Required with COGNITO_ISSUER.
    #[arg(long, env = "COGNITO_CLIENT_IDS", value_delimiter = ',', global = true)]
    pub cognito_client_ids: Vec<String>,

    /// Which Cognito token customers present: `access` or `id`.
    #[arg(
        long,
        env = "COGNITO_TOKEN_USE",
        value_enum,
        default_value = "access",
        global = true
    )]
    pub cognito_token_use: TokenUseArg,

    /// Shared secret of payment-provider notifications (HMAC-SHA256 of the body). Unset: a
    /// secret is generated once, stored in the database and logged (development).
    #[arg(long, env = "PAYMENT_WEBHOOK_SECRET", global = true, hide_env_values = true)]
    pub payment_webhook_secret: Option<String>,

    /// How long an unpaid order holds its ticket places, in minutes (a decimal, e.g. `0.5`
    /// for 30 seconds). Past it the order expires and its places go back on sale.
    #[arg(long, env = "HALSHOP_HOLD_MINUTES", default_value_t = 15.0, value_parser = parse_hold_minutes, global = true)]
    pub hold_minutes: f64,

    /// Seconds of clock skew tolerated on a token's expiry.
    #[arg(long, env = "COGNITO_LEEWAY_SECONDS", default_value_t = 30, global = true)]
    pub cognito_leeway_seconds: u64,

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
    /// Manage the keys that sign ticket QR codes.
    #[command(subcommand)]
    TicketKeys(TicketKeysCommand),
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
    /// How many customers (`seed-customer-1` …) the orders are shared among.
    #[arg(long, default_value_t = 5)]
    pub customers: u32,
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

    /// The base of every absolute link when the server listens on `local`.
    pub fn public_base(&self, local: SocketAddr) -> anyhow::Result<Url> {
        match &self.public_url {
            Some(url) => Ok(url.clone()),
            None => Url::parse(&format!("http://{local}"))
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
            workers: Default::default(),
            connections: ConnectionLimits::default(),
        }
    }

    /// How long an unpaid order holds its ticket places.
    pub fn hold(&self) -> chrono::Duration {
        chrono::Duration::milliseconds((self.hold_minutes * 60_000.0).round() as i64)
    }
}
