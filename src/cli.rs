//! The command line: `serve` (default), `migrate`, `openapi`, `merchant create`, `store create`,
//! `library create`, `ticket-keys rotate`, `dev-token`, `dev-seed-orders`.

use anyhow::Context;

use crate::{
    api, auth,
    config::{
        Cli, Command, DevSeedOrders, DevToken, LibraryCommand, LibraryCreate, MerchantCommand,
        MerchantCreate, SaleStateArg, Settings, StoreCommand, StoreCreate, TicketKeysCommand,
    },
    db,
    domain::merchants::{self, NewMerchant, SaleState},
    http::hal::Hal,
    startup::Application,
    telemetry,
};

/// The `halshop` command: reads the command line and runs it on its own runtime. Kept in
/// the library, not generic, so that the binary only calls it: the binary then compiles in
/// a second instead of codegenning the whole server's futures again.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::from_args();
    // An unoptimised build keeps a request's whole chain of futures on the stack: 8 MiB
    // worker stacks leave it room (an optimised build needs far less).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("halshop: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    telemetry::flush();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("halshop: {}", crate::preflight::one_line(&err));
            std::process::ExitCode::FAILURE
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            telemetry::init(settings.log_format);
            let db = crate::preflight::open_database(&settings.database_url, 1).await?;
            db::migrate(&db).await.context("cannot apply migrations")?;
            println!("migrations applied ({})", db::backend_name(&db));
            Ok(())
        }
        Command::Openapi => {
            println!("{}", api::spec_json());
            Ok(())
        }
        Command::Merchant(MerchantCommand::Create(args)) => create_merchant(settings, args).await,
        Command::Merchant(MerchantCommand::List { json }) => list_merchants(settings, json).await,
        Command::Merchant(MerchantCommand::RotateSecret { app_key, json }) => {
            rotate_merchant_secret(settings, &app_key, json).await
        }
        Command::DevToken(args) => dev_token(settings, args).await,
        Command::DevCert { dir, hosts } => {
            let written = crate::http::tls::write_dev_cert(&dir, &hosts)?;
            println!(
                "wrote {}, {} and {}",
                written.ca.display(),
                written.cert.display(),
                written.key.display()
            );
            println!(
                "serve HTTPS: HALSHOP_TLS_CERT={} HALSHOP_TLS_KEY={} halshop; clients trust {}",
                written.cert.display(),
                written.key.display(),
                written.ca.display()
            );
            Ok(())
        }
        Command::DevSeedOrders(args) => dev_seed_orders(settings, args).await,
        Command::Store(StoreCommand::Create(args)) => create_store(settings, args).await,
        Command::Library(LibraryCommand::Create(args)) => create_library(settings, args).await,
        Command::TicketKeys(TicketKeysCommand::Rotate { json }) => rotate_ticket_key(settings, json).await,
    }
}

/// Starts a new ticket signing key and prints its id and public key.
async fn rotate_ticket_key(settings: Settings, json: bool) -> anyhow::Result<()> {
    let db = crate::preflight::open_database(&settings.database_url, 1).await?;
    db::migrate(&db).await.context("cannot apply migrations")?;
    let key = crate::domain::tickets::keys::rotate(&db)
        .await
        .context("cannot add a ticket key")?;
    if json {
        println!("{}", serde_json::json!({"kid": key.kid, "x": key.x}));
    } else {
        println!(
            "ticket key {} now signs new tickets (public key {})",
            key.kid, key.x
        );
    }
    Ok(())
}

/// Prints a token of the development identity provider, alone on stdout.
async fn dev_token(settings: Settings, args: DevToken) -> anyhow::Result<()> {
    anyhow::ensure!(
        settings
            .cognito_issuer
            .as_deref()
            .is_none_or(|issuer| issuer.trim().is_empty()),
        "the development identity provider is off because COGNITO_ISSUER is set; get tokens from that provider"
    );
    anyhow::ensure!(!args.sub.trim().is_empty(), "--sub must not be empty");
    let ttl = auth::dev_idp::parse_ttl(&args.ttl).map_err(anyhow::Error::msg)?;
    let db = crate::preflight::open_database(&settings.database_url, 1).await?;
    db::migrate(&db).await.context("cannot apply migrations")?;
    let key = auth::dev_idp::load_or_create(&db)
        .await
        .context("cannot load the development key")?;
    let base = settings.public_base(settings.bind_addr()?)?;
    let issuer = Hal::new(base).href(auth::dev_idp::ISSUER_PATH);
    let token = key
        .mint(&issuer, args.sub.trim(), args.email.as_deref(), ttl)
        .map_err(anyhow::Error::msg)?;
    println!("{token}");
    Ok(())
}

/// Orders per customer when `dev-seed-orders` is not told how many customers there are.
const SEEDED_ORDERS_PER_CUSTOMER: u64 = 200;

/// One customer per [`SEEDED_ORDERS_PER_CUSTOMER`] orders, at least one.
fn default_customers(orders: u64) -> u32 {
    u32::try_from(orders / SEEDED_ORDERS_PER_CUSTOMER)
        .unwrap_or(u32::MAX)
        .max(1)
}

/// Writes many orders and prints one line saying what was written and how fast.
async fn dev_seed_orders(settings: Settings, args: DevSeedOrders) -> anyhow::Result<()> {
    let customers = args.customers.unwrap_or_else(|| default_customers(args.count));
    anyhow::ensure!(customers > 0, "--customers must be at least 1");
    let db = crate::preflight::open_database(&settings.database_url, 1).await?;
    db::migrate(&db).await.context("cannot apply migrations")?;
    let started = std::time::Instant::now();
    let seeded = crate::seed::orders::seed_orders(&db, args.count, customers)
        .await
        .context("cannot seed the orders")?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "seeded {} completed orders of {} ({}) for {} customers ({} … {}) in {seconds:.1}s ({:.0} orders/s)",
        seeded.orders,
        seeded.merchant,
        seeded.sku,
        seeded.customers.len(),
        seeded.customers.first().map_or("", String::as_str),
        seeded.customers.last().map_or("", String::as_str),
        seeded.orders as f64 / seconds.max(f64::EPSILON),
    );
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    telemetry::init(settings.log_format);
    let mut app = Application::build(settings).await?;
    let state = app.state();
    let base = state.hal.href("/");
    tracing::info!(port = app.port(), %base, "listening");
    println!("halshop is serving {base}");
    println!("  API root      {base}");
    println!("  Swagger UI    {}", state.hal.href("/docs"));
    println!("  OpenAPI spec  {}", state.hal.href("/openapi.json"));
    println!("  Storefront    {}", state.hal.href("/shop/"));
    println!("  Back office   {}", state.hal.href("/admin/"));
    if let Some(seeded) = app.take_seeded() {
        println!(
            "Demo data seeded ({} products). These credentials are shown only once:",
            seeded.products
        );
        println!(
            "  demo merchant  app_key {}  secret {}",
            seeded.merchant.merchant.app_key, seeded.merchant.secret
        );
        println!(
            "  demo store     SAN {}  token {}",
            seeded.store.store.san, seeded.store.token
        );
    } else if state.settings.seed_demo {
        println!(
            "Demo data from an earlier start: its credentials were printed then. `halshop merchant list` shows the app keys; `halshop merchant rotate-secret APP_KEY` prints a new secret."
        );
    }
    app.run_until_stopped().await
}

/// Prints every merchant, without secrets.
async fn list_merchants(settings: Settings, json: bool) -> anyhow::Result<()> {
    let db = open_migrated(&settings).await?;
    let all = merchants::list(&db).await.context("cannot list the merchants")?;
    if json {
        let rows: Vec<_> = all
            .iter()
            .map(|m| {
                serde_json::json!({
                    "uid": m.uid, "name": m.name, "app_key": m.app_key, "sale_state": m.sale_state,
                    "can_refund": m.can_refund, "created_at": m.created_at.to_rfc3339(),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else if all.is_empty() {
        println!("no merchants yet: `halshop merchant create --name NAME` makes one");
    } else {
        for m in &all {
            println!("{}  {}  {}  {}", m.app_key, m.uid, m.sale_state, m.name);
        }
    }
    Ok(())
}

/// Gives a merchant a new secret and prints it once.
async fn rotate_merchant_secret(settings: Settings, app_key: &str, json: bool) -> anyhow::Result<()> {
    let db = open_migrated(&settings).await?;
    let rotated = merchants::rotate_secret(&db, app_key.trim())
        .await
        .context("cannot rotate the secret")?
        .ok_or_else(|| {
            anyhow::anyhow!("no merchant has the app key {app_key:?}; `halshop merchant list` shows them")
        })?;
    if json {
        let output = serde_json::json!({
            "uid": rotated.merchant.uid,
            "app_key": rotated.merchant.app_key,
            "secret": rotated.secret,
        });
        println!("{output}");
    } else {
        println!(
            "merchant {} has a new secret; the old one no longer works",
            rotated.merchant.name
        );
        println!("  app_key {}", rotated.merchant.app_key);
        println!("  secret  {}  (shown only once)", rotated.secret);
    }
    Ok(())
}

/// The configured database with every migration applied.
async fn open_migrated(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = crate::preflight::open_database(&settings.database_url, 1).await?;
    db::migrate(&db).await.context("cannot apply migrations")?;
    Ok(db)
}

async fn create_merchant(settings: Settings, args: MerchantCreate) -> anyhow::Result<()> {
    let db = crate::preflight::open_database(&settings.database_url, 1).await?;
    db::migrate(&db).await.context("cannot apply migrations")?;
    let created = merchants::create(
        &db,
        NewMerchant {
            name: args.name,
            can_refund: args.can_refund,
            sale_state: match args.sale_state {
                SaleStateArg::Test => SaleState::Test,
                SaleStateArg::Live => SaleState::Live,
            },
            support_email: args.support_email,
            support_phone: args.support_phone,
        },
    )
    .await
    .context("cannot create the merchant")?;
    if args.time_zone != "UTC" {
        merchants::set_time_zone(&db, created.merchant.id, &args.time_zone)
            .await
            .context("cannot set the time zone")?;
    }
    if args.resell_refunded {
        merchants::set_resell_refunded(&db, created.merchant.id, true)
            .await
            .context("cannot set resell_refunded")?;
    }
    if args.json {
        let output = serde_json::json!({
            "uid": created.merchant.uid,
            "app_key": created.merchant.app_key,
            "secret": created.secret,
        });
        println!("{output}");
    } else {
        println!(
            "merchant {} created ({})",
            created.merchant.name, created.merchant.uid
        );
        println!("  app_key {}", created.merchant.app_key);
        println!("  secret  {}  (shown only once)", created.secret);
    }
    Ok(())
}

async fn create_library(settings: Settings, args: LibraryCreate) -> anyhow::Result<()> {
    use crate::domain::lending::libraries;
    if !libraries::valid_name(&args.name) {
        anyhow::bail!(
            "--name {:?}: 1 to 200 characters, no control characters",
            args.name
        );
    }
    let db = crate::preflight::open_database(&settings.database_url, 1).await?;
    db::migrate(&db).await.context("cannot apply migrations")?;
    let merchant = merchant_by_app_key(&db, &args.merchant).await?;
    let created = libraries::create(&db, merchant.id, &args.name)
        .await
        .context("cannot create the library")?;
    let library = &created.library;
    if args.json {
        let json =
            serde_json::json!({"uid": library.uid, "api_key": library.api_key, "secret": created.secret});
        println!("{json}");
    } else {
        println!("library {} ({}) created", library.name, library.uid);
        println!("  api_key {}", library.api_key);
        println!("  secret  {}  (shown only once)", created.secret);
    }
    Ok(())
}

/// The merchant with this app key, or an error naming it.
async fn merchant_by_app_key(
    db: &sea_orm::DatabaseConnection,
    app_key: &str,
) -> anyhow::Result<entity::merchant::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::merchant::Entity::find()
        .filter(entity::merchant::Column::AppKey.eq(app_key))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no merchant has the app key {app_key:?}"))
}

async fn create_store(settings: Settings, args: StoreCreate) -> anyhow::Result<()> {
    let san = crate::domain::san::San::parse(&args.san)
        .map_err(|err| anyhow::anyhow!("--san {:?}: {err}", args.san))?;
    let db = crate::preflight::open_database(&settings.database_url, 1).await?;
    db::migrate(&db).await.context("cannot apply migrations")?;
    let merchant = merchant_by_app_key(&db, &args.merchant).await?;
    let created = crate::domain::stores::create(&db, merchant.id, &args.name, &san)
        .await
        .map_err(|err| match crate::db::is_unique_violation(&err) {
            true => anyhow::anyhow!("a store with SAN {san} is already registered"),
            false => anyhow::anyhow!("cannot create the store: {err}"),
        })?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"uid": created.store.uid, "san": created.store.san, "token": created.token})
        );
    } else {
        println!(
            "store {} ({}) created, SAN {}",
            created.store.name, created.store.uid, created.store.san
        );
        println!("  token {}  (shown only once)", created.token);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_customers;

    #[test]
    fn seeded_orders_are_shared_one_customer_per_two_hundred_orders_and_never_fewer_than_one() {
        assert_eq!(default_customers(0), 1);
        assert_eq!(default_customers(1_000), 5);
        assert_eq!(default_customers(1_000_000), 5_000);
    }
}
