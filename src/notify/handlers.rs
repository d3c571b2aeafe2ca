use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::MailStatus;
use super::service::{Outbox, Requeue};
use super::store::{self, OutboxMessage};
use super::OutboxId;
use crate::auth::{Auth, Role};
use crate::error::{AppError, AppResult, Problem};
use crate::pagination::Page;
use crate::workflow::transition::take_step;
use crate::workflow::Service;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    pub status: Option<MailStatus>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessageView {
    pub id: OutboxId,
    /// The RFC 5322 Message-ID, the same on every attempt.
    pub message_id: String,
    pub template: String,
    pub recipient: String,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxMessage> for OutboxMessageView {
    fn from(message: OutboxMessage) -> Self {
        OutboxMessageView {
            status: message.status,
            id: message.id,
            message_id: message.message_id,
            template: message.template,
            recipient: message.recipient,
            subject: message.subject,
            attempts: message.attempts,
            next_attempt_at: message.next_attempt_at.and_utc(),
            last_error: message.last_error,
            created_at: message.created_at.and_utc(),
            sent_at: message.sent_at.map(|at| at.and_utc()),
        }
    }
}

/// List outgoing mail, newest first; `status=dead` shows what was given up (admin only).
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "admin", params(OutboxQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = Page<OutboxMessageView>),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad limit or offset", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_outbox(
    service: web::Data<Service>,
    auth: Auth,
    query: web::Query<OutboxQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = service
        .page(
            auth,
            &[Role::Admin],
            (query.limit, query.offset),
            move |conn, _, page| store::list(conn, query.status, page),
        )
        .await?;
    Ok(HttpResponse::Ok().json(page.map(OutboxMessageView::from)))
}

/// Queue a dead message again for an immediate attempt, with a fresh attempt count (admin only).
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/retry", tag = "admin", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OutboxMessageView),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The message is not dead", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn retry_message(
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<OutboxId>,
) -> AppResult<HttpResponse> {
    let message = service
        .write(auth, move |tx, caller| {
            take_step::<Outbox>(tx, caller, &id, Requeue, None)?;
            store::find(tx.conn, &id)?
                .ok_or_else(|| AppError::internal("the requeued message vanished"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(OutboxMessageView::from(message)))
}
