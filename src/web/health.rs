//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{Backend, Db};
use crate::error::{AppError, AppResult, Problem};

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The database backend in use.
    pub database: Backend,
}

/// The process is up.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = Health)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers: this instance can serve requests.
#[utoipa::path(get, path = "/health/ready", tag = "operations", responses(
    (status = 200, body = Readiness),
    (status = 503, description = "The database is unreachable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn ready(db: web::Data<Db>) -> AppResult<HttpResponse> {
    db.read_one(|conn| {
        conn.batch_execute("SELECT 1").map_err(|err| {
            tracing::error!(error = %err, "readiness check failed");
            AppError::Unavailable("the database is not reachable".into())
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready",
        database: db.backend(),
    }))
}
