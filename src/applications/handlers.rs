//! HTTP handlers of applications: parse, authorise against the application's organisation,
//! apply the domain rules, store with the audit event and the mail in one transaction.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveTime, Utc};
use serde_json::json;
use tracing_actix_web::RequestId;

use super::domain::*;
use super::dto::*;
use super::store::{self, Application, ApplicationFilter, Programme, Review, Site};
use crate::accounts::store as accounts;
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::db::{new_id, now, Db, DbConnection};
use crate::error::{AppError, AppResult, Problem};
use crate::notify::Notifier;
use crate::pagination::{Page, PageRequest};
use crate::standards::store as standards;
use crate::trail::{self, Actor, Change};
use crate::validate::{optional_text, required_text, Checker};
use crate::web::json::ApiJson;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> AppResult<T> {
    serde_json::from_str(text).map_err(AppError::internal)
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// Loads an application the caller may see: client users their own organisation's
/// (others are 404), staff any.
fn load_visible(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Application> {
    let application = store::find(conn, id)?
        .ok_or_else(|| AppError::NotFound("no application has this id".into()))?;
    caller.ensure_may_access(ObjectScope {
        organisation_id: &application.organisation_id,
        staff: StaffAccess::AnyStaff,
    })?;
    Ok(application)
}

fn view(conn: &mut DbConnection, application: Application) -> AppResult<ApplicationView> {
    let standard = standards::get(conn, &application.standard_id)?;
    let sites = store::sites(conn, &application.id)?;
    Ok(ApplicationView {
        state: application.state()?,
        standard: standard.designation(),
        sites: sites
            .into_iter()
            .map(|s| SiteView {
                id: s.id,
                name: s.name,
                street: s.street,
                city: s.city,
                postcode: s.postcode,
                country: s.country,
                headcount: s.headcount,
                is_central: s.is_central,
                scope: s.scope,
            })
            .collect(),
        sector_codes: parse_json(&application.sector_codes)?,
        services_in_scope: parse_json(&application.services_in_scope)?,
        outsourced_processes: parse_json(&application.outsourced_processes)?,
        consultancy: parse_json(&application.consultancy)?,
        current_certification: application
            .current_certification
            .as_deref()
            .map(parse_json)
            .transpose()?,
        id: application.id,
        organisation_id: application.organisation_id,
        standard_id: application.standard_id,
        scope_statement: application.scope_statement,
        total_personnel: application.total_personnel,
        state_note: application.state_note,
        submitted_at: application.submitted_at.map(|at| at.and_utc()),
        created_at: application.created_at.and_utc(),
        updated_at: application.updated_at.and_utc(),
    })
}

/// Validates the content against the catalogue (inside the transaction that stores it).
fn validated(conn: &mut DbConnection, input: &ApplicationInput) -> AppResult<ApplicationContent> {
    let standard = standards::find(conn, &input.standard_id)?.filter(|s| s.active);
    let mut checker = Checker::new();
    checker.check(
        "standard_id",
        standard
            .as_ref()
            .map(|_| ())
            .ok_or_else(|| "no active standard has this id".to_owned()),
    );
    let needs_services = standard
        .as_ref()
        .is_some_and(|s| requires_services(&s.code));
    let content = ApplicationContent::check(input, needs_services, today(), &mut checker);
    checker.finish(|| content.expect("checked"))
}

fn rows(
    id: &str,
    organisation_id: &str,
    standard_id: &str,
    created_by: &str,
    content: ApplicationContent,
) -> (Application, Vec<Site>) {
    let at = now();
    let sites = content
        .sites
        .into_iter()
        .enumerate()
        .map(|(i, site)| Site {
            id: new_id(),
            application_id: id.to_owned(),
            position: i as i64 + 1,
            name: site.name,
            street: site.street,
            city: site.city,
            postcode: site.postcode,
            country: site.country,
            headcount: site.headcount,
            is_central: site.is_central,
            scope: site.scope,
        })
        .collect();
    let application = Application {
        id: id.to_owned(),
        organisation_id: organisation_id.to_owned(),
        standard_id: standard_id.to_owned(),
        state: ApplicationState::Draft.as_str().to_owned(),
        scope_statement: content.scope_statement,
        total_personnel: content.total_personnel,
        sector_codes: to_json(&content.sector_codes),
        services_in_scope: to_json(&content.services_in_scope),
        outsourced_processes: to_json(&content.outsourced_processes),
        consultancy: to_json(&content.consultancy),
        current_certification: content.current_certification.as_ref().map(to_json),
        state_note: None,
        created_by: created_by.to_owned(),
        submitted_at: None,
        created_at: at,
        updated_at: at,
    };
    (application, sites)
}

/// The whole content, as the audit trail keeps it before and after a change.
fn summary(application: &Application, sites: &[Site]) -> serde_json::Value {
    let raw = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text).unwrap_or(serde_json::Value::Null)
    };
    json!({
        "state": application.state,
        "standard_id": application.standard_id,
        "scope_statement": application.scope_statement,
        "total_personnel": application.total_personnel,
        "sector_codes": raw(&application.sector_codes),
        "sites": sites.iter().map(|s| json!({"name": s.name, "city": s.city, "country": s.country,
            "headcount": s.headcount, "is_central": s.is_central, "scope": s.scope})).collect::<Vec<_>>(),
        "services_in_scope": raw(&application.services_in_scope),
        "outsourced_processes": raw(&application.outsourced_processes),
        "consultancy": raw(&application.consultancy),
        "current_certification": application.current_certification.as_deref().map(raw),
    })
}

/// Draft an application for the caller's own organisation (applicants).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Draft created", body = ApplicationView),
        (status = 403, description = "Only client users apply", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_application(
    db: web::Data<Db>,
    caller: Caller,
    request_id: RequestId,
    body: ApiJson<ApplicationInput>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Applicant])?;
    let organisation_id = caller
        .organisation_id
        .clone()
        .ok_or_else(|| AppError::Forbidden("no organisation".into()))?;
    let actor = Actor::user(&caller, request_id);
    let input = body.into_inner();
    let view = db
        .write(move |conn| {
            let content = validated(conn, &input)?;
            let (application, sites) = rows(
                &new_id(),
                &organisation_id,
                &input.standard_id,
                &actor_id(&actor),
                content,
            );
            store::insert(conn, &application, &sites)?;
            let change = Change {
                entity_type: "application",
                entity_id: &application.id,
                organisation_id: Some(&application.organisation_id),
                action: "drafted",
                before: None,
                after: Some(summary(&application, &sites)),
            };
            trail::record(conn, &actor, change)?;
            view(conn, application)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

fn actor_id(actor: &Actor) -> String {
    actor.user_id.clone().unwrap_or_default()
}

/// Change a draft, or an application returned for more information (its applicant).
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    request_body = ApplicationInput, security(("bearer" = [])),
    responses(
        (status = 200, body = ApplicationView),
        (status = 403, description = "Only the applicant's side edits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not editable in its state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_application(
    db: web::Data<Db>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<String>,
    body: ApiJson<ApplicationInput>,
) -> AppResult<HttpResponse> {
    let actor = Actor::user(&caller, request_id);
    let (id, input) = (id.into_inner(), body.into_inner());
    let view = db
        .write(move |conn| {
            let current = load_visible(conn, &caller, &id)?;
            caller.require_role(&[Role::Applicant])?;
            let state = current.state()?;
            if !state.is_editable() {
                return Err(AppError::Conflict(format!(
                    "an application that is {} cannot be changed",
                    state.as_str().replace('_', " ")
                )));
            }
            let content = validated(conn, &input)?;
            let (mut application, sites) = rows(
                &id,
                &current.organisation_id,
                &input.standard_id,
                &current.created_by,
                content,
            );
            application.state = current.state.clone();
            application.state_note = current.state_note.clone();
            application.submitted_at = current.submitted_at;
            application.created_at = current.created_at;
            let before = summary(&current, &store::sites(conn, &id)?);
            store::update(conn, &application, &sites)?;
            // The review judged the old content: after any change the CB reviews again.
            store::delete_review(conn, &id)?;
            let change = Change {
                entity_type: "application",
                entity_id: &id,
                organisation_id: Some(&application.organisation_id),
                action: "edited",
                before: Some(before),
                after: Some(summary(&application, &sites)),
            };
            trail::record(conn, &actor, change)?;
            view(conn, application)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One application: client users see their own organisation's, staff any.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ApplicationView),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_application(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = db
        .read(move |conn| {
            let application = load_visible(conn, &caller, &id)?;
            view(conn, application)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Applications, newest first: client users see their organisation's; admins all, filtered.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ApplicationListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<ApplicationView>),
        (status = 403, description = "Role may not list applications", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad limit, offset or date range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_applications(
    db: web::Data<Db>,
    caller: Caller,
    query: web::Query<ApplicationListQuery>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Applicant, Role::Admin])?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.offset)?;
    let organisation_id = match caller.role {
        // Client users see their own organisation's, whatever they ask for.
        Role::Applicant => Some(caller.organisation_id.clone().unwrap_or_default()),
        _ => query.organisation_id,
    };
    let filter = ApplicationFilter {
        organisation_id,
        state: query.state,
        standard_id: query.standard_id,
        created_from: query.created_from.map(|d| d.and_time(NaiveTime::MIN)),
        created_before: query
            .created_to
            .and_then(|d| d.succ_opt())
            .map(|d| d.and_time(NaiveTime::MIN)),
    };
    for (field, date) in [
        ("created_from", query.created_from),
        ("created_to", query.created_to),
    ] {
        if date.is_some_and(|d| !(1900..=9999).contains(&chrono::Datelike::year(&d))) {
            return Err(AppError::invalid(
                field,
                "must be a date between the years 1900 and 9999",
            ));
        }
    }
    if let (Some(from), Some(to)) = (query.created_from, query.created_to) {
        if from > to {
            return Err(AppError::invalid(
                "created_from",
                "must not be after created_to",
            ));
        }
    }
    let page_of_views = db
        .read(move |conn| {
            let (rows, total) = store::list(conn, &filter, page)?;
            let views = rows
                .into_iter()
                .map(|row| view(conn, row))
                .collect::<AppResult<Vec<_>>>()?;
            Ok(Page::new(views, total, page, |v| v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page_of_views))
}

/// Everything a transition needs from the request.
struct TransitionRequest {
    caller: Caller,
    actor: Actor,
    id: String,
    note: Option<String>,
}

/// Applies one explicit transition: checks the role and the state machine, stores the new
/// state with its audit event and the mail to the other side, in one transaction. Acceptance
/// also needs a complete review and creates the audit programme.
async fn transition(
    db: &Db,
    notifier: &Notifier,
    request: TransitionRequest,
    step: Transition,
) -> AppResult<HttpResponse> {
    let notifier = notifier.clone();
    let view = db
        .write(move |conn| {
            let TransitionRequest {
                caller,
                actor,
                id,
                note,
            } = request;
            let application = load_visible(conn, &caller, &id)?;
            caller.require_role(&[step.role()])?;
            let from = application.state()?;
            let to = next_state(from, step).map_err(AppError::Conflict)?;
            if step == Transition::Accept {
                create_programme(conn, &application)?;
            }
            store::set_state(conn, &id, from, to, note.as_deref(), now())?;
            let change = Change {
                entity_type: "application",
                entity_id: &id,
                organisation_id: Some(&application.organisation_id),
                action: step.action(),
                before: Some(json!({"state": from.as_str()})),
                after: Some(json!({"state": to.as_str(), "note": note})),
            };
            trail::record(conn, &actor, change)?;
            notify_other_side(conn, &notifier, &application, step, to, note.as_deref())?;
            let application = store::find(conn, &id)?
                .ok_or_else(|| AppError::internal("application vanished"))?;
            view(conn, application)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Tells the other side: the CB's admins of the applicant's steps, the applicant of the CB's.
fn notify_other_side(
    conn: &mut DbConnection,
    notifier: &Notifier,
    application: &Application,
    step: Transition,
    to: ApplicationState,
    note: Option<&str>,
) -> AppResult<()> {
    let organisation = accounts::find_organisation(conn, &application.organisation_id)?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    let standard = standards::get(conn, &application.standard_id)?;
    let recipients = match step.role() {
        Role::Applicant => accounts::active_users_with_role(conn, Role::Admin)?,
        _ => accounts::active_users_of_organisation(conn, &application.organisation_id)?,
    };
    for recipient in recipients {
        let context = json!({
            "recipient_name": recipient.full_name,
            "organisation_name": organisation.legal_name,
            "standard": standard.designation(),
            "state": to.as_str().replace('_', " "),
            "note": note.map_or_else(|| default_message(step).to_owned(), |n| format!("Message: {n}")),
            "application_id": application.id,
        });
        notifier.enqueue(conn, &recipient.email, "application_state_changed", context)?;
    }
    Ok(())
}

/// What the mail says when the step carries no message of its own.
fn default_message(step: Transition) -> &'static str {
    match step {
        Transition::Submit => "Please review it.",
        Transition::StartReview => "We have started to review it and will come back to you.",
        Transition::Accept => "The three-year audit programme is attached to the application; we will plan stage 1 with you.",
        Transition::RequestInformation | Transition::Reject | Transition::Withdraw => "",
    }
}

/// Acceptance creates the programme from the review's audit time (17021-1 9.1.3).
fn create_programme(conn: &mut DbConnection, application: &Application) -> AppResult<()> {
    let review = store::find_review(conn, &application.id)?;
    let checklist = review.as_ref().map(checklist).transpose()?;
    let blockers = acceptance_blockers(checklist.as_ref());
    if !blockers.is_empty() {
        return Err(AppError::Conflict(format!(
            "the application cannot be accepted yet: {}",
            blockers.join("; ")
        )));
    }
    let review = review.expect("no blockers means a review exists");
    let time: AuditTime = parse_json(&review.audit_time)?;
    let programme = Programme {
        id: new_id(),
        application_id: application.id.clone(),
        organisation_id: application.organisation_id.clone(),
        standard_id: application.standard_id.clone(),
        decision_date: None,
        created_at: now(),
    };
    store::insert_programme(conn, &programme, &plan_programme(today(), &time))
}

fn checklist(review: &Review) -> AppResult<ReviewChecklist> {
    let threats: Vec<String> = parse_json(&review.impartiality_threats)?;
    Ok(ReviewChecklist {
        information_sufficient: review.information_sufficient,
        scope_clear: review.scope_clear,
        competence_available: review.competence_available,
        has_threats: !threats.is_empty(),
        threats_addressed: review.threats_addressed,
    })
}

fn required_message(body: ApiJson<MessageRequest>) -> AppResult<String> {
    required_text(&body.into_inner().message, 2000)
        .map_err(|message| AppError::invalid("message", message))
}

macro_rules! transition_endpoint {
    ($name:ident, $path:literal, $step:expr, $doc:literal, $conflict:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "applications", params(("id" = String, Path)),
            security(("bearer" = [])),
            responses(
                (status = 200, body = ApplicationView),
                (status = 403, description = "Role may not take this step", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            db: web::Data<Db>,
            notifier: web::Data<Notifier>,
            caller: Caller,
            request_id: RequestId,
            id: web::Path<String>,
        ) -> AppResult<HttpResponse> {
            let actor = Actor::user(&caller, request_id);
            let request = TransitionRequest { caller, actor, id: id.into_inner(), note: None };
            transition(&db, &notifier, request, $step).await
        }
    };
}

macro_rules! transition_with_message_endpoint {
    ($name:ident, $path:literal, $step:expr, $doc:literal, $conflict:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "applications", params(("id" = String, Path)),
            request_body = MessageRequest, security(("bearer" = [])),
            responses(
                (status = 200, body = ApplicationView),
                (status = 403, description = "Role may not take this step", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "The message is missing", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            db: web::Data<Db>,
            notifier: web::Data<Notifier>,
            caller: Caller,
            request_id: RequestId,
            id: web::Path<String>,
            body: ApiJson<MessageRequest>,
        ) -> AppResult<HttpResponse> {
            let note = required_message(body)?;
            let actor = Actor::user(&caller, request_id);
            let request = TransitionRequest { caller, actor, id: id.into_inner(), note: Some(note) };
            transition(&db, &notifier, request, $step).await
        }
    };
}

transition_endpoint!(
    submit_application,
    "/api/v1/applications/{id}/submit",
    Transition::Submit,
    "Submit a draft, or resubmit after more information was requested (the applicant).",
    "Not a draft and no information was requested"
);
transition_endpoint!(
    start_review,
    "/api/v1/applications/{id}/start-review",
    Transition::StartReview,
    "Take a submitted application into review (admin).",
    "Not submitted"
);
transition_endpoint!(
    accept_application,
    "/api/v1/applications/{id}/accept",
    Transition::Accept,
    "Accept after a complete review; creates the three-year audit programme (admin).",
    "Not under review, or the review is incomplete"
);
transition_with_message_endpoint!(
    request_information,
    "/api/v1/applications/{id}/request-information",
    Transition::RequestInformation,
    "Return the application asking for more information (admin).",
    "Not under review"
);
transition_with_message_endpoint!(
    reject_application,
    "/api/v1/applications/{id}/reject",
    Transition::Reject,
    "Reject with a reason (admin).",
    "Not under review"
);
transition_with_message_endpoint!(
    withdraw_application,
    "/api/v1/applications/{id}/withdraw",
    Transition::Withdraw,
    "Withdraw before acceptance, with a reason (the applicant).",
    "Already accepted, rejected or withdrawn"
);

/// Record or update the application review (admin; while under review): the checklist,
/// impartiality threats, and justified audit-time adjustments. Answers with what the service
/// computed: audit time from the catalogue, the multi-site sample, and what still blocks acceptance.
#[utoipa::path(put, path = "/api/v1/applications/{id}/review", tag = "applications", params(("id" = String, Path)),
    request_body = ReviewInput, security(("bearer" = [])),
    responses(
        (status = 200, body = ReviewView),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not under review", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Adjustment without justification, or below the minimum audit time", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_review(
    db: web::Data<Db>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<String>,
    body: ApiJson<ReviewInput>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let actor = Actor::user(&caller, request_id);
    let (id, input) = (id.into_inner(), body.into_inner());
    let view = db
        .write(move |conn| {
            let application = load_visible(conn, &caller, &id)?;
            if application.state()? != ApplicationState::UnderReview {
                return Err(AppError::Conflict(
                    "only an application under review can be reviewed".into(),
                ));
            }
            let review = build_review(conn, &application, &input, &actor_id(&actor))?;
            let before =
                store::find_review(conn, &id)?.map(|r| json!({"audit_time": r.audit_time}));
            store::save_review(conn, &review)?;
            let change = Change {
                entity_type: "application",
                entity_id: &id,
                // Internal: the client does not read the CB's review (threats, notes) in the trail.
                organisation_id: None,
                action: "reviewed",
                before,
                after: Some(
                    json!({"audit_time": review.audit_time, "threats": review.impartiality_threats,
                    "adjustments": review.adjustments}),
                ),
            };
            trail::record(conn, &actor, change)?;
            review_view(conn, review)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

fn build_review(
    conn: &mut DbConnection,
    application: &Application,
    input: &ReviewInput,
    reviewer: &str,
) -> AppResult<Review> {
    let standard = standards::get(conn, &application.standard_id)?;
    let bands = standards::bands(conn, &standard.id)?;
    let band = band_for_personnel(&bands, application.total_personnel)?;
    let mut checker = Checker::new();
    for (i, adjustment) in input.adjustments.iter().enumerate() {
        checker.check(
            &format!("adjustments[{i}].justification"),
            required_text(&adjustment.justification, 2000),
        );
        checker.check(
            &format!("adjustments[{i}].percent"),
            if adjustment.percent.is_finite()
                && adjustment.percent != 0.0
                && adjustment.percent.abs() <= 100.0
            {
                Ok(())
            } else {
                Err("must be a non-zero percentage between -100 and 100".to_owned())
            },
        );
    }
    let threats = input
        .additional_threats
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            checker.check(&format!("additional_threats[{i}]"), required_text(t, 1000))
        });
    let additional: Vec<String> = threats.collect();
    let notes = checker.check("notes", optional_text(input.notes.as_deref(), 4000));
    let time = checker.check(
        "adjustments",
        compute_audit_time(band, &input.adjustments, standard.max_reduction_percent),
    );
    let (notes, time) = checker.finish(|| (notes.expect("checked"), time.expect("checked")))?;
    let consultancy: Vec<Consultancy> = parse_json(&application.consultancy)?;
    let sites: Vec<SiteForSampling> = store::sites(conn, &application.id)?
        .into_iter()
        .map(|s| SiteForSampling {
            id: s.id,
            headcount: s.headcount,
            is_central: s.is_central,
        })
        .collect();
    Ok(Review {
        application_id: application.id.clone(),
        information_sufficient: input.information_sufficient,
        scope_clear: input.scope_clear,
        competence_available: input.competence_available,
        impartiality_threats: to_json(&impartiality_threats(&consultancy, &additional, today())),
        threats_addressed: input.threats_addressed,
        notes,
        adjustments: to_json(&input.adjustments),
        audit_time: to_json(&time),
        sampled_site_ids: to_json(&propose_sample(&sites)),
        reviewer_id: reviewer.to_owned(),
        updated_at: now(),
    })
}

fn band_for_personnel(
    bands: &[crate::standards::domain::AuditTimeBand],
    personnel: i64,
) -> AppResult<&crate::standards::domain::AuditTimeBand> {
    crate::standards::domain::band_for(bands, personnel).ok_or_else(|| {
        AppError::Conflict(format!(
            "the audit-time table has no band for {personnel} people"
        ))
    })
}

fn review_view(conn: &mut DbConnection, review: Review) -> AppResult<ReviewView> {
    let site_count = store::sites(conn, &review.application_id)?.len();
    let blockers = acceptance_blockers(Some(&checklist(&review)?))
        .into_iter()
        .map(str::to_owned)
        .collect();
    Ok(ReviewView {
        information_sufficient: review.information_sufficient,
        scope_clear: review.scope_clear,
        competence_available: review.competence_available,
        impartiality_threats: parse_json(&review.impartiality_threats)?,
        threats_addressed: review.threats_addressed,
        notes: review.notes,
        adjustments: parse_json(&review.adjustments)?,
        audit_time: parse_json(&review.audit_time)?,
        sample: SampleView {
            size: sample_size(site_count),
            site_ids: parse_json(&review.sampled_site_ids)?,
        },
        acceptance_blockers: blockers,
        reviewer_id: review.reviewer_id,
        updated_at: review.updated_at.and_utc(),
    })
}

/// The recorded review (staff only: it holds internal notes and impartiality findings).
#[utoipa::path(get, path = "/api/v1/applications/{id}/review", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReviewView),
        (status = 403, description = "Client users do not see the review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown application, or no review yet", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_review(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin, Role::Auditor, Role::DecisionMaker])?;
    let id = id.into_inner();
    let view = db
        .read(move |conn| {
            load_visible(conn, &caller, &id)?;
            let review = store::find_review(conn, &id)?
                .ok_or_else(|| AppError::NotFound("no review has been recorded".into()))?;
            review_view(conn, review)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The three-year audit programme of an accepted application (its organisation and staff).
#[utoipa::path(get, path = "/api/v1/applications/{id}/programme", tag = "applications", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ProgrammeView),
        (status = 404, description = "Unknown, another organisation's, or not accepted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_programme(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let view = db
        .read(move |conn| {
            load_visible(conn, &caller, &id)?;
            let (programme, audits) = store::find_programme(conn, &id)?.ok_or_else(|| {
                AppError::NotFound("no programme: the application is not accepted".into())
            })?;
            let date = |text: &str| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(AppError::internal)
            };
            let audits = audits
                .into_iter()
                .map(|audit| {
                    Ok(ProgrammeAuditView {
                        kind: ProgrammeAuditKind::parse(&audit.kind)
                            .ok_or_else(|| AppError::internal("unknown audit kind"))?,
                        window_start: date(&audit.window_start)?,
                        window_end: date(&audit.window_end)?,
                        planned_days: audit.planned_days,
                        provisional: audit.provisional,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(ProgrammeView {
                decision_date: programme.decision_date.as_deref().map(date).transpose()?,
                id: programme.id,
                application_id: programme.application_id,
                organisation_id: programme.organisation_id,
                standard_id: programme.standard_id,
                audits,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
