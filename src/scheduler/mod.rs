//! Periodic background jobs inside `certbody serve`: the mail dispatcher and the deadline
//! jobs (qualification lapses, overdue nonconformities). With several instances on one database, a lease row per job makes
//! each tick run on one instance only. Stopping waits for a running job to finish.

mod handlers;
mod store;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::NaiveDateTime;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::db::{new_id, now, Db};
use crate::error::{AppError, AppResult};

pub use handlers::*;
pub use store::{first_notice, try_acquire_lease};

/// A job that keeps the CB's deadlines: one write transaction at the workflow clock's
/// date, returning how many notices or changes it made. Each runs on a timer in
/// `certbody serve`, and an admin may run one at once (`POST /admin/jobs/{name}/run`).
pub struct DeadlineJob {
    pub name: &'static str,
    pub run: fn(&mut crate::workflow::Tx<'_>) -> AppResult<usize>,
}

pub const DEADLINE_JOBS: &[DeadlineJob] = &[
    DeadlineJob {
        name: "qualification-lapses",
        run: crate::auditors::service::remind_lapses,
    },
    DeadlineJob {
        name: "nonconformity-deadlines",
        run: crate::nonconformities::service::remind_overdue,
    },
    DeadlineJob {
        name: "certificate-expiry",
        run: crate::certificates::service::expire_due,
    },
    DeadlineJob {
        name: "certificate-deadlines",
        run: crate::certificates::service::watch,
    },
    DeadlineJob {
        name: "public-answers",
        run: crate::verification::service::publish_missing,
    },
    DeadlineJob {
        name: "complaint-deadlines",
        run: crate::complaints::service::remind_overdue,
    },
    DeadlineJob {
        name: "appeal-deadlines",
        run: crate::appeals::service::remind_overdue,
    },
];

/// The timed form of every deadline job, each in its own write transaction.
pub fn deadline_jobs(service: &crate::workflow::Service, every: Duration) -> Vec<Job> {
    DEADLINE_JOBS
        .iter()
        .map(|job| {
            let service = service.clone();
            Job {
                name: job.name,
                every,
                run: Box::new(move |_| {
                    let service = service.clone();
                    Box::pin(async move {
                        let done = service
                            .write_as(crate::trail::Actor::system(), job.run)
                            .await?;
                        if done > 0 {
                            tracing::info!(job = job.name, done, "deadline job ran");
                        }
                        Ok(())
                    })
                }),
            }
        })
        .collect()
}

/// Runs the deadline job `name` now, for an admin: how many notices or changes it made.
pub fn run_now(
    tx: &mut crate::workflow::Tx<'_>,
    caller: &crate::auth::Caller,
    name: &str,
) -> AppResult<usize> {
    caller.require_role(&[crate::auth::Role::Admin])?;
    let job = DEADLINE_JOBS
        .iter()
        .find(|job| job.name == name)
        .ok_or_else(|| AppError::NotFound("no job has this name".into()))?;
    (job.run)(tx)
}

pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.service(web::resource("/{name}/run").route(web::post().to(run_job_now)));
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(run_job_now))]
pub struct ApiDoc;

type JobFuture = Pin<Box<dyn Future<Output = AppResult<()>>>>;

pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    /// Runs one tick; receives the tick's time.
    pub run: Box<dyn Fn(NaiveDateTime) -> JobFuture>,
}

pub struct Scheduler {
    stop: watch::Sender<bool>,
    tasks: Vec<actix_web::rt::task::JoinHandle<()>>,
}

impl Scheduler {
    /// Starts every job on the current (actix) runtime.
    pub fn start(db: Db, jobs: Vec<Job>) -> Scheduler {
        let (stop, stopped) = watch::channel(false);
        let instance = new_id();
        let tasks = jobs
            .into_iter()
            .map(|job| {
                actix_web::rt::spawn(run_job(db.clone(), instance.clone(), job, stopped.clone()))
            })
            .collect();
        Scheduler { stop, tasks }
    }

    /// Asks every job loop to stop and waits until each has finished its current run.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn run_job(db: Db, instance: String, job: Job, mut stopped: watch::Receiver<bool>) {
    // The first run comes one period after start, like every later one.
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + job.every, job.every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // Held a little shorter than the period, so the holder's own next tick finds it free.
    let lease = job.every.mul_f64(0.9);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped.changed() => break,
        }
        let at = now();
        let (name, holder) = (job.name, instance.clone());
        let acquired = db
            .write(move |conn| try_acquire_lease(conn, name, &holder, at, at + lease))
            .await;
        match acquired {
            Ok(true) => {
                if let Err(err) = (job.run)(at).await {
                    tracing::error!(job = job.name, error = %err, "scheduled job failed");
                }
            }
            Ok(false) | Err(AppError::Conflict(_)) => {} // another instance has this tick
            Err(err) => {
                tracing::warn!(job = job.name, error = %err, "could not take the job lease")
            }
        }
    }
    tracing::info!(job = job.name, "scheduled job stopped");
}
