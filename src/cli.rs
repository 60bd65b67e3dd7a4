//! The command line: `serve` (default), `migrate`, `openapi`, `merchant create`.

use std::sync::Arc;

use anyhow::Context;
use url::Url;

use crate::{
    api,
    config::{Cli, Command, MerchantCommand, MerchantCreate, SaleStateArg, Settings},
    db,
    domain::merchants::{self, NewMerchant, SaleState},
    hal::Hal,
    startup::Application,
    state::AppState,
    telemetry,
};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            telemetry::init(settings.log_format);
            let db = db::connect(&settings.database_url, 1)
                .await
                .context("cannot connect to the database")?;
            db::migrate(&db).await.context("cannot apply migrations")?;
            println!("migrations applied ({})", db::backend_name(&db));
            Ok(())
        }
        Command::Openapi => {
            println!("{}", spec(settings));
            Ok(())
        }
        Command::Merchant(MerchantCommand::Create(args)) => create_merchant(settings, args).await,
    }
}

/// The OpenAPI document; needs no database.
pub fn spec(settings: Settings) -> String {
    let state = Arc::new(AppState {
        db: Default::default(),
        hal: Arc::new(Hal::new(Url::parse("http://127.0.0.1:8080").expect("static URL"))),
        settings,
    });
    api::spec_json(state)
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
    }
    app.run_until_stopped().await
}

async fn create_merchant(settings: Settings, args: MerchantCreate) -> anyhow::Result<()> {
    let db = db::connect(&settings.database_url, 1)
        .await
        .context("cannot connect to the database")?;
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
