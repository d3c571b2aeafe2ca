use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::domain::{check_requeue, MailStatus};
use super::store::{self, OutboxMessage};
use crate::auth::{Caller, Role};
use crate::db::{now, Db};
use crate::error::{AppError, AppResult, Problem};
use crate::pagination::{Page, PageRequest};
use crate::trail::{self, Actor, Change};

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
    pub id: String,
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
            status: MailStatus::parse(&message.status).unwrap_or(MailStatus::Pending),
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
    db: web::Data<Db>,
    caller: Caller,
    query: web::Query<OutboxQuery>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.offset)?;
    let (rows, total) = db
        .read(move |conn| store::list(conn, query.status, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(rows, total, page, OutboxMessageView::from)))
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
    db: web::Data<Db>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let actor = Actor::user(&caller, request_id);
    let id = id.into_inner();
    let message = db
        .write(move |conn| {
            let message = store::find(conn, &id)?
                .ok_or_else(|| AppError::NotFound("no message has this id".into()))?;
            check_requeue(message.status()?).map_err(AppError::Conflict)?;
            store::requeue(conn, &id, now())?;
            let change = Change {
                entity_type: "outbox_message",
                entity_id: &id,
                organisation_id: None,
                action: "requeued",
                before: Some(json!({"status": message.status, "attempts": message.attempts})),
                after: Some(json!({"status": MailStatus::Pending.as_str(), "attempts": 0})),
            };
            trail::record(conn, &actor, change)?;
            store::find(conn, &id)?.ok_or_else(|| AppError::internal("requeued message vanished"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(OutboxMessageView::from(message)))
}
