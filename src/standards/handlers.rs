use actix_web::{web, HttpResponse};
use serde_json::json;

use super::domain::{check_bands, parse_clause, AuditTimeBand, MAX_REDUCTION_PERCENT};
use super::dto::*;
use super::store::{self, Standard};
use super::StandardId;
use crate::auth::{Auth, Role};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult, Problem};
use crate::trail::Change;
use crate::validate::{required_text, Checker};
use crate::web::json::ApiJson;
use crate::workflow::Service;

/// The catalogue: every standard the certification body certifies against.
#[utoipa::path(get, path = "/api/v1/standards", tag = "standards", security(("bearer" = [])),
    responses((status = 200, body = Vec<StandardSummary>)))]
pub async fn list_standards(service: web::Data<Service>, auth: Auth) -> AppResult<HttpResponse> {
    let standards = service.read(auth, |conn, _| store::list(conn)).await?;
    Ok(HttpResponse::Ok().json(
        standards
            .iter()
            .map(StandardSummary::from)
            .collect::<Vec<_>>(),
    ))
}

/// One standard with its clause list and audit-time table.
#[utoipa::path(get, path = "/api/v1/standards/{id}", tag = "standards", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = StandardDetail), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_standard(
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<StandardId>,
) -> AppResult<HttpResponse> {
    let detail = service.read(auth, move |conn, _| detail(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(detail))
}

fn detail(conn: &mut DbConnection, id: &StandardId) -> AppResult<StandardDetail> {
    let standard = store::get(conn, id)?;
    Ok(StandardDetail {
        summary: StandardSummary::from(&standard),
        max_reduction_percent: standard.max_reduction_percent,
        min_on_site_percent: standard.min_on_site_percent,
        clauses: store::clauses(conn, id)?
            .into_iter()
            .map(ClauseView::from)
            .collect(),
        audit_time: store::bands(conn, id)?,
        audit_time_confirmed: standard
            .audit_time_confirmed_by
            .clone()
            .zip(standard.audit_time_confirmed_at)
            .map(|(by, at)| Confirmation {
                by,
                at: at.and_utc(),
            }),
        audit_time_source: standard.audit_time_source,
    })
}

fn check_clauses(clauses: &[ClauseView], checker: &mut Checker) -> Option<Vec<(String, String)>> {
    let parsed = checker.check(
        "clauses",
        if clauses.is_empty() {
            Err("needs at least one clause".into())
        } else {
            Ok(())
        },
    );
    let mut seen = std::collections::HashSet::new();
    let mut checked = Vec::new();
    for (i, clause) in clauses.iter().enumerate() {
        let number = checker.check(
            &format!("clauses[{i}].clause"),
            parse_clause(&clause.clause).and_then(|c| {
                if seen.insert(c.clone()) {
                    Ok(c)
                } else {
                    Err(format!("{c} is listed twice"))
                }
            }),
        );
        let title = checker.check(
            &format!("clauses[{i}].title"),
            required_text(&clause.title, 300),
        );
        if let (Some(number), Some(title)) = (number, title) {
            checked.push((number, title));
        }
    }
    parsed.map(|_| checked)
}

fn check_reduction(percent: f64) -> Result<f64, String> {
    if (0.0..=MAX_REDUCTION_PERCENT).contains(&percent) {
        Ok(percent)
    } else {
        Err(format!(
            "must be between 0 and {MAX_REDUCTION_PERCENT} (IAF MD 5 caps reductions at 30 %)"
        ))
    }
}

/// Add a standard to the catalogue (admin only).
#[utoipa::path(post, path = "/api/v1/standards", tag = "standards", request_body = CreateStandardRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = StandardDetail),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code and edition already in the catalogue", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_standard(
    service: web::Data<Service>,
    auth: Auth,
    body: ApiJson<CreateStandardRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let detail = service
        .write(auth, move |tx, caller| {
            caller.require_role(&[Role::Admin])?;
            create(tx, body)
        })
        .await?;
    Ok(HttpResponse::Created().json(detail))
}

fn create(
    tx: &mut crate::workflow::Tx<'_>,
    body: CreateStandardRequest,
) -> AppResult<StandardDetail> {
    let mut checker = Checker::new();
    let code = checker.check("code", required_text(&body.code, 50));
    let edition = checker.check("edition", required_text(&body.edition, 20));
    let title = checker.check("title", required_text(&body.title, 300));
    let reduction = checker.check(
        "max_reduction_percent",
        check_reduction(body.max_reduction_percent.unwrap_or(30.0)),
    );
    let clauses = check_clauses(&body.clauses, &mut checker);
    checker.check("audit_time", check_bands(&body.audit_time));
    let source = checker.check(
        "audit_time_source",
        required_text(&body.audit_time_source, 1000),
    );
    let (code, edition, title, reduction, (clauses, source)) =
        checker.finish((code, edition, title, reduction, (clauses, source)))?;
    let bands = body.audit_time;
    let at = now();
    let slug: String = format!("std-{code}-{edition}")
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let standard = Standard {
        id: StandardId::from_text(slug),
        code,
        edition,
        title,
        max_reduction_percent: reduction,
        active: true,
        created_at: at,
        updated_at: at,
        audit_time_source: source.clone(),
        audit_time_confirmed_by: None,
        audit_time_confirmed_at: None,
        min_on_site_percent: 0.0,
    };
    store::insert(tx.conn, &standard)?;
    store::replace_clauses(tx.conn, &standard.id, &clauses)?;
    store::replace_audit_time(tx.conn, &standard.id, &source, reduction, 0.0, &bands)?;
    tx.record(Change {
        entity_type: "standard",
        entity_id: standard.id.as_str(),
        organisation_id: None,
        action: "created",
        before: None,
        after: Some(json!({"designation": standard.designation(), "clauses": clauses.len(), "bands": bands.len()})),
    })?;
    detail(tx.conn, &standard.id)
}

/// Replace a standard's audit-time table (admin only). Applications already reviewed keep
/// the audit time computed then.
#[utoipa::path(put, path = "/api/v1/standards/{id}/audit-time", tag = "standards", params(("id" = String, Path)),
    request_body = AuditTimeRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = StandardDetail),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bands overlap, leave gaps or have no days", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_audit_time(
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<StandardId>,
    body: ApiJson<AuditTimeRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let detail = service
        .write(auth, move |tx, caller| {
            caller.require_role(&[Role::Admin])?;
            let mut checker = Checker::new();
            let reduction = checker.check(
                "max_reduction_percent",
                check_reduction(body.max_reduction_percent),
            );
            checker.check("bands", check_bands(&body.bands));
            let source = checker.check("source", required_text(&body.source, 1000));
            let on_site = checker.check(
                "min_on_site_percent",
                if (0.0..=100.0).contains(&body.min_on_site_percent) {
                    Ok(body.min_on_site_percent)
                } else {
                    Err("must be between 0 and 100".to_owned())
                },
            );
            let (reduction, source, on_site) = checker.finish((reduction, source, on_site))?;
            let bands = body.bands;
            let standard = store::get(tx.conn, &id)?;
            let before: Vec<AuditTimeBand> = store::bands(tx.conn, &id)?;
            store::replace_audit_time(tx.conn, &id, &source, reduction, on_site, &bands)?;
            tx.record(Change {
                entity_type: "standard",
                entity_id: id.as_str(),
                organisation_id: None,
                action: "audit_time_replaced",
                before: Some(
                    json!({"max_reduction_percent": standard.max_reduction_percent,
                    "bands": before, "source": standard.audit_time_source}),
                ),
                after: Some(
                    json!({"max_reduction_percent": reduction, "bands": bands, "source": source}),
                ),
            })?;
            detail(tx.conn, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Replace a standard's clause list, used to validate finding references (admin only).
#[utoipa::path(put, path = "/api/v1/standards/{id}/clauses", tag = "standards", params(("id" = String, Path)),
    request_body = ClausesRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = StandardDetail),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or repeated clause references", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_clauses(
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<StandardId>,
    body: ApiJson<ClausesRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let detail = service
        .write(auth, move |tx, caller| {
            caller.require_role(&[Role::Admin])?;
            let mut checker = Checker::new();
            let clauses = check_clauses(&body.clauses, &mut checker);
            let clauses = checker.finish(clauses)?;
            store::get(tx.conn, &id)?;
            let before = store::clauses(tx.conn, &id)?.len();
            store::replace_clauses(tx.conn, &id, &clauses)?;
            tx.record(Change {
                entity_type: "standard",
                entity_id: id.as_str(),
                organisation_id: None,
                action: "clauses_replaced",
                before: Some(json!({"clauses": before})),
                after: Some(json!({"clauses": clauses.iter().map(|(c, _)| c).collect::<Vec<_>>()})),
            })?;
            detail(tx.conn, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Confirm a standard's audit-time table against its source document (admin only): who and
/// when are recorded. Until then, applications reviewed against it cannot be accepted;
/// replacing the table makes it unconfirmed again.
#[utoipa::path(post, path = "/api/v1/standards/{id}/audit-time/confirm", tag = "standards", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StandardDetail),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already confirmed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_audit_time(
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<StandardId>,
) -> AppResult<HttpResponse> {
    let detail = service
        .write(auth, move |tx, caller| {
            caller.require_role(&[Role::Admin])?;
            let standard = store::get(tx.conn, &id)?;
            if !store::confirm_audit_time(tx.conn, &id, &caller.user_id, now())? {
                return Err(AppError::Conflict(
                    "the audit-time table is already confirmed".into(),
                ));
            }
            tx.record(Change {
                entity_type: "standard",
                entity_id: id.as_str(),
                organisation_id: None,
                action: "audit_time_confirmed",
                before: None,
                after: Some(json!({"source": standard.audit_time_source})),
            })?;
            detail(tx.conn, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}
