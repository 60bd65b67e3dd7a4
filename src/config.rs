//! Typed configuration: every option is a flag and an environment variable.

use std::{net::SocketAddr, path::PathBuf};

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum, builder::BoolishValueParser};
use url::Url;

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
    /// Whether sales are test sales or live sales.
    #[arg(long, value_enum, default_value = "test")]
    pub sale_state: SaleStateArg,
    /// Customer-service e-mail address shown to buyers.
    #[arg(long, default_value = "support@example.com")]
    pub support_email: String,
    /// Customer-service phone number shown to buyers.
    #[arg(long, default_value = "+1 514 555 0100")]
    pub support_phone: String,
    /// Print machine-readable JSON: `{"uid":…,"app_key":…,"secret":…}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SaleStateArg {
    Test,
    Live,
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
        }
    }
}
