//! Builds the application: database, migrations, shared state, routes and the HTTP server.
//! Tests use the same `Application` on port 0, so they exercise exactly what runs in production.

use std::net::TcpListener;
use std::rc::Rc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{from_fn, Condition, ErrorHandlers};
use actix_web::{web, App, HttpResponse, HttpServer};
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::rate_limit::AuthLimits;
use crate::auth::token::TokenKeys;
use crate::config::{Config, SecretSource};
use crate::credentials;
use crate::credentials::PublicUrl;
use crate::db::Db;
use crate::documents::upload::UploadLimit;
use crate::notify::dispatcher::Dispatcher;
use crate::notify::Notifier;
use crate::scheduler::{deadline_jobs, Job, Scheduler};
use crate::verification;
use crate::watch::dispatcher::WebhookDispatcher;
use crate::web::json::{path_config, query_config, JsonLimit};
use crate::web::openapi;
use crate::web::public_limit::{FilingLimit, PublicLimit};
use crate::web::text::refuse_nul_in_url;
use crate::web::{health, problems, request_id_header, TrustedProxies};
use crate::workflow::PublicCache;
use crate::workflow::Service;
use crate::{api, error::AppError};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("database: {0}")]
    Database(#[from] AppError),
    #[error("mail: {0}")]
    Mail(String),
    #[error("signing keys: {0}")]
    Keys(String),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    dispatcher: Dispatcher,
    mail_poll: Duration,
    service: Service,
    deadline_poll: Duration,
    /// Whether webhooks may reach private addresses, and how often one is tried.
    webhooks: (bool, i64),
}

impl Application {
    /// Connects and migrates the database, binds the listener and prepares the server.
    pub fn build(config: Config) -> Result<Application, StartupError> {
        let (secret, source) = config.signing_secret()?;
        if source == SecretSource::Generated {
            tracing::warn!(
                "CERTBODY_JWT_SECRET is not set: generated a random signing secret for this run \
                 (development only; tokens stop working when the service restarts)"
            );
        }
        let (signing_keys, key_source) = config.signing_keys().map_err(StartupError::Keys)?;
        if key_source == SecretSource::Generated {
            tracing::warn!(
                "CERTBODY_SIGNING_KEY_FILE is not set: generated a credential-signing key for this run \
                 (development only; credentials signed now stop verifying when the service restarts)"
            );
        }
        let signing_keys = web::Data::new(signing_keys);
        let public_url = web::Data::new(PublicUrl(
            config.public_url.trim_end_matches('/').to_owned(),
        ));
        let db = Db::connect(&config.database_url, config.db_pool_size)?;
        let applied = db.migrate()?;
        tracing::info!(backend = ?db.backend(), migrations_applied = applied.len(), "database ready");
        let dispatcher =
            Dispatcher::from_config(db.clone(), &config.mail).map_err(StartupError::Mail)?;
        tracing::info!(transport = %dispatcher.describe(), "outgoing mail");

        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            address: config.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                address: config.bind.clone(),
                source,
            })?
            .port();

        let app_db = web::Data::new(db.clone());
        let service = web::Data::new(
            Service::new(db.clone(), Notifier::new(&config.public_url))
                .with(config.clock.clone(), config.rules())
                .with_public_cache(PublicCache::new(
                    config.public_cache_entries,
                    Duration::from_secs(config.public_cache_seconds),
                )),
        );
        let service_for_jobs = service.get_ref().clone();
        let trusted_proxies = web::Data::new(TrustedProxies(config.trusted_proxies.clone()));
        let keys = web::Data::new(TokenKeys::new(
            &secret,
            &config.public_url,
            config.token_ttl(),
        ));
        let limits = web::Data::new(AuthLimits::new(
            config.login_limit_per_ip,
            config.login_limit_per_account,
            config.register_limit_per_ip,
        ));
        let public_limit = web::Data::new(PublicLimit::new(config.public_limit_per_minute));
        let filing_limit = web::Data::new(FilingLimit::new(config.public_filings_per_hour));
        let json_limit = JsonLimit(config.max_json_bytes);
        let upload_limit = web::Data::new(UploadLimit(config.max_upload_bytes));
        let openapi = openapi::document();
        let cors_origins = config.cors_origins()?;

        let server = HttpServer::new(move || {
            App::new()
                .wrap(ErrorHandlers::new().default_handler(problems::problem_for_bare_errors))
                .wrap(from_fn(refuse_nul_in_url))
                .wrap(from_fn(request_id_header))
                .wrap(Condition::new(
                    !cors_origins.is_empty(),
                    cors(&cors_origins),
                ))
                .wrap(TracingLogger::default())
                .app_data(app_db.clone())
                .app_data(service.clone())
                .app_data(trusted_proxies.clone())
                .app_data(keys.clone())
                .app_data(limits.clone())
                .app_data(public_limit.clone())
                .app_data(filing_limit.clone())
                .app_data(json_limit)
                .app_data(upload_limit.clone())
                .app_data(signing_keys.clone())
                .app_data(public_url.clone())
                .configure(credentials::well_known)
                .configure(verification::pages::routes)
                .app_data(query_config())
                .app_data(path_config())
                .service(web::scope("/api/v1").configure(api::routes))
                // Resources, not bare routes: another method is a 405, not a 404.
                .service(web::resource("/health").route(web::get().to(health::health)))
                .service(web::resource("/health/ready").route(web::get().to(health::ready)))
                .service(web::resource("/docs").route(web::get().to(redirect_to_docs)))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi.clone()))
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: config.bind.clone(),
            source,
        })?
        .workers(
            config
                .workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        )
        // On SIGTERM/SIGINT: stop accepting, let in-flight requests finish for up to 30 s.
        .shutdown_timeout(30)
        .run();
        Ok(Application {
            port,
            server,
            db,
            dispatcher,
            mail_poll: Duration::from_secs(config.mail.mail_poll_seconds.max(1)),
            service: service_for_jobs,
            deadline_poll: Duration::from_secs(config.deadline_poll_seconds.max(1)),
            webhooks: (config.webhooks_allow_private, config.webhook_max_attempts),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (or the handle stops it), running the background jobs
    /// meanwhile; stops them cleanly before returning.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let dispatcher = Rc::new(self.dispatcher);
        let dispatch = Job {
            name: "mail-dispatcher",
            every: self.mail_poll,
            run: Box::new(move |now| {
                let dispatcher = dispatcher.clone();
                Box::pin(async move {
                    let report = dispatcher.run_once(now).await?;
                    if report.sent + report.failed > 0 {
                        tracing::info!(
                            sent = report.sent,
                            failed = report.failed,
                            "mail dispatched"
                        );
                    }
                    Ok(())
                })
            }),
        };
        let (allow_private, max_attempts) = self.webhooks;
        let webhooks = Rc::new(WebhookDispatcher::new(
            self.db.clone(),
            allow_private,
            max_attempts,
        ));
        let deliver = Job {
            name: "webhook-dispatcher",
            every: self.mail_poll,
            run: Box::new(move |now| {
                let webhooks = webhooks.clone();
                Box::pin(async move {
                    let report = webhooks.run_once(now).await?;
                    if report.delivered + report.failed > 0 {
                        tracing::info!(
                            delivered = report.delivered,
                            failed = report.failed,
                            "webhooks dispatched"
                        );
                    }
                    Ok(())
                })
            }),
        };
        let mut jobs = vec![dispatch, deliver];
        jobs.extend(deadline_jobs(&self.service, self.deadline_poll));
        let scheduler = Scheduler::start(self.db, jobs);
        let served = self.server.await;
        scheduler.stop().await;
        served
    }
}

/// Cross-origin calls from the configured origins' pages: the API's methods and the headers
/// its clients send; what they may read back beyond the basics.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "complaint-secret",
            "if-none-match",
        ])
        .expose_headers(["x-request-id", "retry-after", "etag", "location"])
        .max_age(3600)
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/docs/"))
        .finish()
}
