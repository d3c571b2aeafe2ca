//! Running a deadline job at once (admins): after a configuration change, or to see its
//! effect without waiting for the timer.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::{AppResult, Problem};
use crate::workflow::Service;

#[derive(Debug, Serialize, ToSchema)]
pub struct JobRun {
    pub job: String,
    /// Notices sent or records changed by this run.
    pub done: usize,
}

/// Runs one deadline job now (admins): `qualification-lapses`, `nonconformity-deadlines`.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{name}/run", tag = "operations", params(("name" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = JobRun),
        (status = 403, description = "Only admins run jobs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No job has this name", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn run_job_now(
    app: web::Data<Service>,
    auth: Auth,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    let job = name.into_inner();
    let name = job.clone();
    let done = app
        .write(auth, move |tx, caller| super::run_now(tx, caller, &name))
        .await?;
    let run = JobRun { job, done };
    Ok(HttpResponse::Ok().json(run))
}
