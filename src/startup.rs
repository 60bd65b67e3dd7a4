//! Builds the application (database, routes, middleware) and serves it.

use std::{sync::Arc, time::Duration};

use crate::{
    api,
    api::orders::kept::KeptOrders,
    auth,
    cache::Writes,
    config::Settings,
    db,
    domain::{
        holds,
        orders::CheckoutCopies,
        sandbox::SandboxKey,
        secrets,
        webhooks::{sealing::SealingKey, sender::Worker},
    },
    http::hal::Hal,
    http::{
        browse::{self, assets},
        compression,
        connections::{self, GuardedAcceptor},
        edge, headers, health, idempotency, metrics, middleware,
        public_cache::{self, PublicCache},
    },
    seed,
    state::{AppState, SharedState},
};
use anyhow::Context;
use poem::{
    Endpoint, EndpointExt, IntoEndpoint, Route, Server,
    listener::{Acceptor, AcceptorExt, BoxAcceptor, Listener, TcpAcceptor, TcpListener},
    middleware::Cors,
};

/// A bound, ready-to-run server.
pub struct Application {
    acceptor: GuardedAcceptor<BoxAcceptor>,
    redirect: Option<TcpAcceptor>,
    state: SharedState,
    port: u16,
    seeded: Option<seed::Seeded>,
}

impl Application {
    /// Connects to the database, applies migrations, seeds demo data when asked, and binds
    /// the listener (port 0 picks a free port; see [`Application::port`]).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let open_files = connections::raise_open_file_limit();
        // Every event written from now on carries its subject's representation.
        crate::domain::outbox::install(std::sync::Arc::new(
            crate::api::representations::Representations::default(),
        ));
        let addr = settings.bind_addr()?;
        let acceptor = listen(&settings, addr).await?;
        let redirect = match &settings.redirect_http {
            Some(text) => Some(listen_plain(text).await?),
            None => None,
        };
        let limits = &settings.connections;
        let acceptor = GuardedAcceptor::new(acceptor, limits.cap(open_files), limits.header_read_timeout);
        let local = acceptor
            .local_addr()
            .into_iter()
            .find_map(|addr| addr.as_socket_addr().copied())
            .context("listener has no socket address")?;
        let public_url = settings.public_base(local)?;
        // Migrations run on a connection of their own, and the serving pool opens only
        // afterwards: a SQLite connection that was open while a migration altered a table
        // can describe the rows of a statement by the old schema.
        let migrating = crate::preflight::open_database(&settings.database_url, 1).await?;
        db::migrate(&migrating).await.context("cannot apply migrations")?;
        migrating
            .close()
            .await
            .context("cannot close the migration connection")?;
        let db = crate::preflight::open_database(&settings.database_url, settings.db_pool_size).await?;
        tracing::info!(backend = db::backend_name(&db), "database ready");
        crate::preflight::check_content_dir(&settings.content_dir);
        let seeded = if settings.seed_demo {
            seed::seed_if_empty(&db)
                .await
                .context("cannot seed the demo data")?
        } else {
            None
        };
        let hal = Arc::new(Hal::new(public_url));
        let customers = auth::CustomerAuthentication::configure(&settings, &db, &hal).await?;
        let payment_secret = payment_secret(&settings, &db).await?;
        let sandbox_key = SandboxKey::load(&db)
            .await
            .context("cannot load the sandbox payment key")?;
        let webhook_key = SealingKey::load(&db)
            .await
            .context("cannot load the webhook sealing key")?;
        let writes = Arc::new(Writes::default());
        let kept_orders = KeptOrders::default();
        let order_reads = crate::domain::orders::changes::shared_reads(&db);
        let state = Arc::new(AppState {
            db,
            hal,
            customers,
            payment_secret,
            sandbox_key,
            settings,
            shop_operator: Default::default(),
            public_cache: Arc::new(PublicCache::new(writes.clone())),
            checkout: CheckoutCopies::new(writes.clone()),
            writes,
            webhook_key,
            kept_orders,
            order_reads,
        });
        Ok(Self {
            acceptor,
            redirect,
            state,
            port: local.port(),
            seeded,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The demo data seeded by this start, with its one-time credentials.
    pub fn take_seeded(&mut self) -> Option<seed::Seeded> {
        self.seeded.take()
    }

    pub fn state(&self) -> SharedState {
        self.state.clone()
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in progress (up to 20 s).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let endpoint = build_endpoint(self.state.clone());
        let sweeper = tokio::spawn(sweep_expired_orders(self.state.clone()));
        if let Some(plain) = self.redirect {
            let https = self
                .state
                .hal
                .href("/")
                .parse::<url::Url>()
                .context("public URL")?;
            tracing::info!(to = %https, "redirecting plain HTTP to HTTPS");
            tokio::spawn(Server::new_with_acceptor(plain).run(crate::http::tls::redirect_to(https)));
        }
        let webhooks = tokio::spawn(webhook_worker(&self.state).run());
        let workers = crate::workers::spawn(&self.state)?;
        Server::new_with_acceptor(self.acceptor)
            .idle_timeout(self.state.settings.connections.idle_timeout)
            .run_with_graceful_shutdown(endpoint, shutdown_signal(), Some(Duration::from_secs(20)))
            .await
            .context("server error")?;
        sweeper.abort();
        webhooks.abort();
        workers.iter().for_each(tokio::task::JoinHandle::abort);
        self.state.db.clone().close().await.ok();
        tracing::info!("stopped");
        Ok(())
    }
}

/// The listener at `addr`: HTTPS when a certificate is configured, plain HTTP otherwise.
async fn listen(settings: &Settings, addr: std::net::SocketAddr) -> anyhow::Result<BoxAcceptor> {
    let cannot_listen = || format!("HALSHOP_BIND={addr}: cannot listen there");
    match settings.tls_files() {
        Some(files) => {
            let first = files.load()?;
            let acceptor = TcpListener::bind(addr)
                .rustls(files.watch(first))
                .into_acceptor()
                .await
                .with_context(cannot_listen)?;
            Ok(acceptor.boxed())
        }
        None => Ok(TcpListener::bind(addr)
            .into_acceptor()
            .await
            .with_context(cannot_listen)?
            .boxed()),
    }
}

/// The plain-HTTP listener of `--redirect-http`.
async fn listen_plain(text: &str) -> anyhow::Result<TcpAcceptor> {
    let addr: std::net::SocketAddr = text
        .parse()
        .map_err(|err| anyhow::anyhow!("HALSHOP_REDIRECT_HTTP={text:?} is not an address: {err}"))?;
    TcpListener::bind(addr)
        .into_acceptor()
        .await
        .with_context(|| format!("HALSHOP_REDIRECT_HTTP={addr}: cannot listen there"))
}

/// Expires unpaid orders past their hold, so that their places go back on sale even when
/// nobody reads them. Every instance sweeps: expiring an order is a conditional update,
/// so two sweepers never expire one order twice.
async fn sweep_expired_orders(state: SharedState) {
    let every = Duration::from_secs(2).min(Duration::from_millis(
        (state.settings.hold().num_milliseconds().max(200) / 2) as u64,
    ));
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match holds::sweep(&state.db).await {
            Ok(0) => {}
            Ok(expired) => {
                // Their places went back on sale: the copies of events and products are stale.
                state.public_cache.invalidate();
                tracing::info!(expired, "expired unpaid orders past their hold");
            }
            Err(err) => tracing::warn!(error = %err, "cannot sweep expired orders"),
        }
    }
}

/// The webhook worker of this instance. Every instance runs one: deliveries are claimed
/// under a lease, so instances share them without sending one twice at once.
pub fn webhook_worker(state: &SharedState) -> Worker {
    Worker {
        db: state.db.clone(),
        hal: state.hal.clone(),
        key: state.webhook_key.clone(),
        schedule: state.settings.webhook_schedule(),
        allow_private: state.settings.allow_http_webhooks,
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in progress");
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::new()
        .allow_methods(["GET", "POST", "PUT", "DELETE", "OPTIONS"])
        .allow_headers(headers::CORS_ALLOWED)
        .expose_headers(headers::CORS_EXPOSED)
        .max_age(600);
    if !origins.iter().any(|origin| origin.trim() == "*") {
        for origin in origins
            .iter()
            .map(|origin| origin.trim())
            .filter(|o| !o.is_empty())
        {
            cors = cors.allow_origin(origin.trim_end_matches('/'));
        }
    }
    cors
}

/// Health probes and metrics, outside the HAL API.
fn operations(routes: Route, state: &SharedState) -> Route {
    let ready = state.clone();
    let db = state.db.clone();
    routes
        .at(
            "/health/live",
            poem::get(poem::endpoint::make_sync(|_| health::live())),
        )
        .at(
            "/health/ready",
            poem::get(poem::endpoint::make(move |_| {
                let state = ready.clone();
                async move { health::ready(&state).await }
            })),
        )
        .at(
            "/metrics",
            poem::get(poem::endpoint::make(move |_| {
                let db = db.clone();
                async move { metrics::render(&db).await }
            })),
        )
}

/// The key of the payment provider's notifications: `PAYMENT_WEBHOOK_SECRET`, or a generated
/// development secret kept in the database (logged, so that a sandbox can be driven by hand).
async fn payment_secret(settings: &Settings, db: &sea_orm::DatabaseConnection) -> anyhow::Result<String> {
    if let Some(secret) = settings.payment_webhook_secret.as_deref().map(str::trim)
        && !secret.is_empty()
    {
        return Ok(secret.to_owned());
    }
    let secret = secrets::get_or_create(db, secrets::PAYMENT_WEBHOOK_SECRET)
        .await
        .context("cannot load the payment notification secret")?;
    tracing::warn!(
        payment_webhook_secret = %secret,
        "PAYMENT_WEBHOOK_SECRET is not set: using a generated development secret (set it in production)"
    );
    Ok(secret)
}

/// The whole HTTP application: routes and every cross-cutting layer.
pub fn build_endpoint(state: SharedState) -> impl Endpoint + 'static {
    let service = api::service();
    let generated = service.spec();
    let spec = api::finish_spec(&generated);
    let docs_page = service.swagger_ui_html().replace(&generated, &spec);
    let allowed = Arc::new(middleware::AllowedMethods::from_spec(&spec));
    let routes_by_path = allowed.clone();
    let routes_for_metrics = allowed.clone();
    let docs = poem::endpoint::make_sync(move |_| poem::web::Html(docs_page.clone()));
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(spec.clone())
    });
    let limit = state.settings.max_body_bytes;
    let hal = state.hal.clone();
    let pages_hal = state.hal.clone();
    let cors_origins = state.settings.cors_origins.clone();
    let hsts = state.settings.hsts;
    let db = state.db.clone();
    let customers = state.customers.clone();
    let public_cache = state.public_cache.clone();

    let (rels_index, problems_index) = (
        api::docs::rels_index(&state.hal),
        api::docs::problems_index(&state.hal),
    );
    let routes = assets::shop_routes(operations(Route::new(), &state))
        .at("/docs", poem::get(docs))
        .at(
            "/rels/",
            poem::get(poem::endpoint::make_sync(move |_| {
                poem::web::Html(rels_index.clone())
            })),
        )
        .at(
            "/problems/",
            poem::get(poem::endpoint::make_sync(move |_| {
                poem::web::Html(problems_index.clone())
            })),
        )
        .at("/openapi.json", poem::get(spec))
        .at(assets::SCRIPT.path, poem::get(assets::SCRIPT.endpoint()))
        .at(assets::STYLE.path, poem::get(assets::STYLE.endpoint()))
        .nest("/", service)
        .data(state)
        .data(db.clone())
        .data(customers)
        .around(move |ep, req| middleware::problems_for_errors(ep, req, allowed.clone()))
        .around(move |ep, req| idempotency::idempotency(ep, req, db.clone()))
        .around(move |ep, req| public_cache::public_cache(ep, req, public_cache.clone()))
        .around(middleware::conditional_get)
        // Each layer's future holds the futures of the layers inside it, and moving them at
        // every layer costs more than allocating them: the chain is boxed every few layers.
        .boxed()
        .around(move |ep, req| edge::refuse_control_characters(ep, req, routes_by_path.clone()))
        .around(move |ep, req| middleware::limit_body(ep, req, limit))
        .around(edge::refuse_oversized_head)
        .around(move |ep, req| browse::browse(ep, req, pages_hal.clone()))
        .boxed();
    metrics::handle();
    routes
        .around(compression::compression)
        .around(move |ep, req| crate::http::tls::hsts(ep, req, hsts))
        .with_if(!cors_origins.is_empty(), cors(&cors_origins))
        .around(move |ep, req| middleware::request_context(ep, req, hal.clone()))
        .around(move |ep, req| metrics::record(ep, req, routes_for_metrics.clone()))
        .into_endpoint()
}
