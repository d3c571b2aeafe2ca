use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::store::{self, AuditEvent, EventFilter};
use crate::auth::{Auth, Role};
use crate::error::{AppError, AppResult, Problem};
use crate::pagination::Page;
use crate::workflow::Service;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// e.g. `organisation`, `user`, `outbox_message`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    /// Position in the chain.
    pub seq: i64,
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    /// A role, or `operator` (command line) or `system` (scheduled job).
    pub actor_role: String,
    pub organisation_id: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    /// SHA-256 over this event and the previous event's hash.
    pub hash: String,
    pub prev_hash: String,
}

impl TryFrom<AuditEvent> for AuditEventView {
    type Error = AppError;

    /// A before/after that is not JSON was not written by the service: that is tampering or
    /// corruption, shown as an error naming the event, never hidden as an empty value.
    fn try_from(event: AuditEvent) -> AppResult<Self> {
        let seq = event.seq;
        let parse = |state: Option<String>| {
            state
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|err| {
                    AppError::internal(format!("audit event {seq} holds unreadable state: {err}"))
                })
        };
        Ok(AuditEventView {
            seq: event.seq,
            id: event.id,
            occurred_at: event.occurred_at.and_utc(),
            actor_id: event.actor_id,
            actor_role: event.actor_role,
            organisation_id: event.organisation_id,
            entity_type: event.entity_type,
            entity_id: event.entity_id,
            action: event.action,
            before: parse(event.before_state)?,
            after: parse(event.after_state)?,
            request_id: event.request_id,
            hash: event.hash,
            prev_hash: event.prev_hash,
        })
    }
}

/// Read the audit trail, oldest first. Admins read all of it; client users read only the
/// events about their own organisation's objects; other staff are refused for now.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit trail", params(EventQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<AuditEventView>),
        (status = 403, description = "Role may not read the trail", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad limit or offset", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_events(
    service: web::Data<Service>,
    auth: Auth,
    query: web::Query<EventQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = service
        .page(
            auth,
            &[Role::Admin, Role::Applicant],
            (query.limit, query.offset),
            move |conn, caller, page| {
                let filter = EventFilter {
                    entity_type: query.entity_type,
                    entity_id: query.entity_id,
                    // Client users see only their organisation's events, whatever they ask for.
                    organisation_id: match caller.role {
                        Role::Applicant => Some(
                            caller
                                .organisation_id
                                .as_ref()
                                .map_or_else(String::new, ToString::to_string),
                        ),
                        _ => None,
                    },
                };
                let (rows, total) = store::list(conn, &filter, page)?;
                let views = rows
                    .into_iter()
                    .map(AuditEventView::try_from)
                    .collect::<AppResult<Vec<_>>>()?;
                Ok((views, total))
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
