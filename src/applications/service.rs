//! Use cases of applications: draft, edit, read, list, the review, and every state change
//! through the transition kernel (`ApplicationLifecycle`).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::json;

use super::domain::*;
use super::dto::*;
use super::store::{self, Application, ApplicationFilter, Review, Site};
use super::{ApplicationId, SiteId};
use crate::accounts::store as accounts;
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::db::types::Json;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageRequest};
use crate::programmes;
use crate::programmes::domain::{
    base_days, check_remote_share, compute_audit_time, propose_sample, sample_size, AuditTime,
    SiteForSampling,
};
use crate::standards::{self, StandardId};
use crate::trail::Change;
use crate::validate::{optional_text, required_text, Checker};
use crate::workflow::transition::{find_visible, take_step, Lifecycle};
use crate::workflow::Tx;

/// The application as the API shows it; 404 when it is gone.
fn view(conn: &mut DbConnection, id: &ApplicationId) -> AppResult<ApplicationView> {
    store::find_detail(conn, id)?
        .map(ApplicationView::from)
        .ok_or_else(|| AppError::NotFound("no application has this id".into()))
}

/// Validates the content against the catalogue (inside the transaction that stores it).
fn validated(
    conn: &mut DbConnection,
    input: &ApplicationInput,
    today: NaiveDate,
) -> AppResult<ApplicationContent> {
    let standard = standards::store::find(conn, &input.standard_id)?.filter(|s| s.active);
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
    let clauses: Vec<String> = match &standard {
        Some(standard) => standards::store::clauses(conn, &standard.id)?
            .into_iter()
            .map(|c| c.clause)
            .collect(),
        None => Vec::new(),
    };
    let content = input.check(&clauses, needs_services, today, &mut checker);
    checker.finish(content)
}

/// The rows of an application with `content`, in its draft state.
fn rows(
    id: &ApplicationId,
    organisation_id: &crate::accounts::OrganisationId,
    standard_id: &StandardId,
    created_by: &crate::accounts::UserId,
    content: ApplicationContent,
) -> (Application, Vec<Site>) {
    let at = now();
    let sites = content
        .sites
        .into_iter()
        .enumerate()
        .map(|(i, site)| Site {
            id: SiteId::generate(),
            application_id: id.clone(),
            position: i as i64 + 1,
            name: site.name,
            street: site.street,
            city: site.city,
            postcode: site.postcode,
            country: site.country,
            headcount: site.headcount,
            is_central: site.is_central,
            scope: site.scope,
            risk_score: None,
            risk_reason: None,
        })
        .collect();
    let application = Application {
        id: id.clone(),
        organisation_id: organisation_id.clone(),
        standard_id: standard_id.clone(),
        state: ApplicationState::Draft,
        scope_statement: content.scope_statement,
        total_personnel: content.total_personnel,
        sector_codes: Json(content.sector_codes),
        services_in_scope: Json(content.services_in_scope),
        outsourced_processes: Json(content.other_party_processes),
        consultancy: Json(content.consultancy),
        current_certification: content.current_certification.map(Json),
        state_note: None,
        created_by: created_by.clone(),
        submitted_at: None,
        created_at: at,
        updated_at: at,
    };
    (application, sites)
}

/// The whole content, as the audit trail keeps it before and after a change.
fn summary(application: &Application, sites: &[Site]) -> serde_json::Value {
    json!({
        "state": application.state,
        "standard_id": application.standard_id,
        "scope_statement": application.scope_statement,
        "total_personnel": application.total_personnel,
        "sector_codes": application.sector_codes.0,
        "sites": sites.iter().map(|s| json!({"name": s.name, "city": s.city, "country": s.country,
            "headcount": s.headcount, "is_central": s.is_central, "scope": s.scope})).collect::<Vec<_>>(),
        "services_in_scope": application.services_in_scope.0,
        "other_party_processes": application.outsourced_processes.0,
        "consultancy": application.consultancy.0,
        "current_certification": application.current_certification.as_ref().map(|held| &held.0),
    })
}

/// Drafts an application for the caller's own organisation (client users).
pub fn create(
    tx: &mut Tx<'_>,
    caller: &Caller,
    input: ApplicationInput,
) -> AppResult<ApplicationView> {
    caller.require_role(&[Role::Applicant])?;
    let organisation_id = caller
        .organisation_id
        .clone()
        .ok_or_else(|| AppError::Forbidden("no organisation".into()))?;
    let today = tx.today();
    let content = validated(tx.conn, &input, today)?;
    let id = ApplicationId::generate();
    let (application, sites) = rows(
        &id,
        &organisation_id,
        &input.standard_id,
        &caller.user_id,
        content,
    );
    store::insert(tx.conn, &application, &sites)?;
    tx.record(Change {
        entity_type: ApplicationLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(organisation_id.as_str()),
        action: "drafted",
        before: None,
        after: Some(summary(&application, &sites)),
    })?;
    view(tx.conn, &id)
}

/// Changes a draft, or an application returned for more information (its applicant). The
/// review judged the old content, so any review is discarded: the CB reviews again.
pub fn update(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &ApplicationId,
    input: ApplicationInput,
) -> AppResult<ApplicationView> {
    let current = find_visible::<ApplicationLifecycle>(tx.conn, caller, id)?;
    caller.require_role(&[Role::Applicant])?;
    if !current.state.is_editable() {
        return Err(AppError::Conflict(format!(
            "an application that is {} cannot be changed",
            current.state.label()
        )));
    }
    let today = tx.today();
    let content = validated(tx.conn, &input, today)?;
    let (application, sites) = rows(
        id,
        &current.organisation_id,
        &input.standard_id,
        &current.created_by,
        content,
    );
    let application = Application {
        state: current.state,
        state_note: current.state_note.clone(),
        submitted_at: current.submitted_at,
        created_at: current.created_at,
        ..application
    };
    let before = summary(&current, &store::sites(tx.conn, id)?);
    store::update(tx.conn, &application, &sites)?;
    store::delete_review(tx.conn, id)?;
    tx.record(Change {
        entity_type: ApplicationLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(application.organisation_id.as_str()),
        action: "edited",
        before: Some(before),
        after: Some(summary(&application, &sites)),
    })?;
    view(tx.conn, id)
}

/// One application: client users see their own organisation's, staff any.
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &ApplicationId,
) -> AppResult<ApplicationView> {
    let detail = store::find_detail(conn, id)?
        .ok_or_else(|| AppError::NotFound("no application has this id".into()))?;
    caller.ensure_may_access(ApplicationLifecycle::scope(&detail.application))?;
    Ok(ApplicationView::from(detail))
}

/// Applications, newest first: client users see their organisation's; admins all, filtered.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: ApplicationListQuery,
) -> AppResult<Page<ApplicationView>> {
    caller.require_role(&[Role::Applicant, Role::Admin])?;
    let page = PageRequest::parse(query.limit, query.offset)?;
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
    let organisation_id = caller.organisation_filter(query.organisation_id)?;
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
    let (rows, total) = store::list(conn, &filter, page)?;
    Ok(Page::new(rows, total, page, ApplicationView::from))
}

/// Takes one step of the application's lifecycle and shows the result.
pub fn transition(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &ApplicationId,
    step: Transition,
    note: Option<String>,
) -> AppResult<ApplicationView> {
    take_step::<ApplicationLifecycle>(tx, caller, id, step, note)?;
    view(tx.conn, id)
}

/// The message a step carries (a reason or what is requested): required, at most 2000 chars.
pub fn required_message(message: &str) -> AppResult<String> {
    required_text(message, 2000).map_err(|message| AppError::invalid("message", message))
}

/// Applications as the transition kernel sees them.
pub struct ApplicationLifecycle;

impl Lifecycle for ApplicationLifecycle {
    const ENTITY: &'static str = "application";
    type Id = ApplicationId;
    type Record = Application;
    type State = ApplicationState;
    type Step = Transition;

    fn load(conn: &mut DbConnection, id: &ApplicationId) -> AppResult<Option<Application>> {
        store::find(conn, id)
    }

    fn scope(application: &Application) -> ObjectScope<'_> {
        ObjectScope {
            organisation_id: Some(&application.organisation_id),
            staff: StaffAccess::AnyStaff,
        }
    }

    fn state(application: &Application) -> ApplicationState {
        application.state
    }

    fn next(from: ApplicationState, step: Transition) -> Result<ApplicationState, String> {
        next_state(from, step)
    }

    fn roles(step: Transition) -> &'static [Role] {
        step.roles()
    }

    fn action(step: Transition) -> &'static str {
        step.action()
    }

    fn store_state(
        conn: &mut DbConnection,
        id: &ApplicationId,
        from: ApplicationState,
        to: ApplicationState,
        note: Option<&str>,
        (_, at): (&Caller, NaiveDateTime),
    ) -> AppResult<bool> {
        store::set_state(conn, id, from, to, note, at)
    }

    /// Acceptance needs a complete review and creates the audit programme (17021-1 9.1.3).
    fn before_step(
        tx: &mut Tx<'_>,
        _caller: &Caller,
        application: &Application,
        step: Transition,
    ) -> AppResult<()> {
        if step != Transition::Accept {
            return Ok(());
        }
        let today = tx.today();
        let review = store::find_review(tx.conn, &application.id)?;
        let checklist = review
            .as_ref()
            .map(|review| checklist(tx.conn, review, application, today))
            .transpose()?;
        let blockers = acceptance_blockers(checklist.as_ref());
        match review {
            Some(review) if blockers.is_empty() => programmes::service::create(
                tx.conn,
                application,
                today,
                &review.audit_time.0,
                review.transfer.as_ref().map(|t| t.0.cycle_position),
            ),
            _ => Err(AppError::Conflict(format!(
                "the application cannot be accepted yet: {}",
                blockers.join("; ")
            ))),
        }
    }

    /// Tells the other side: the CB's admins of the applicant's steps, the applicant of the CB's.
    fn notify(
        tx: &mut Tx<'_>,
        application: &Application,
        step: Transition,
        to: ApplicationState,
        note: Option<&str>,
    ) -> AppResult<()> {
        let organisation =
            accounts::find_organisation(tx.conn, application.organisation_id.as_str())?
                .ok_or_else(|| AppError::internal("organisation vanished"))?;
        let standard = standards::store::get(tx.conn, &application.standard_id)?;
        let recipients = if step.roles().contains(&Role::Applicant) {
            accounts::active_users_with_role(tx.conn, Role::Admin)?
        } else {
            accounts::active_users_of_organisation(tx.conn, &application.organisation_id)?
        };
        for recipient in recipients {
            let context = json!({
                "recipient_name": recipient.full_name,
                "organisation_name": organisation.legal_name,
                "standard": standard.designation(),
                "state": to.label(),
                "note": note.map_or_else(|| default_message(step).to_owned(), |n| format!("Message: {n}")),
                "application_id": application.id,
            });
            tx.mail(&recipient.email, "application_state_changed", context)?;
        }
        Ok(())
    }
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

/// What acceptance depends on: the recorded review, and as of *now* whether the standard's
/// audit-time table is confirmed (confirming it after the review clears that blocker) and
/// whether consultancy still blocks certification (17021-1 5.2.6, 5.2.7).
fn checklist(
    conn: &mut DbConnection,
    review: &Review,
    application: &Application,
    today: NaiveDate,
) -> AppResult<ReviewChecklist> {
    Ok(ReviewChecklist {
        information_sufficient: review.information_sufficient,
        scope_clear: review.scope_clear,
        competence_available: review.competence_available,
        has_threats: !review.impartiality_threats.0.is_empty(),
        threats_addressed: review.threats_addressed,
        table_confirmed: standards::store::get(conn, &application.standard_id)?
            .audit_time_confirmed(),
        impartiality_blockers: impartiality(&application.consultancy.0, &[], today).blockers,
        scope_blockers: sms_scope_blockers(
            &application.scope_statement,
            &application.services_in_scope.0,
        ),
        transfer_review_missing: is_transfer(application) && review.transfer.is_none(),
    })
}

/// Whether the application transfers accredited certification (IAF MD 2); any other
/// certification held is handled as a new client.
pub fn is_transfer(application: &Application) -> bool {
    application
        .current_certification
        .as_ref()
        .is_some_and(|held| held.0.transferable().is_ok())
}

/// Records or updates the review (admin; while under review): the checklist, impartiality
/// threats and justified audit-time adjustments. Answers with what the service computed.
pub fn record_review(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &ApplicationId,
    input: ReviewInput,
) -> AppResult<ReviewView> {
    caller.require_role(&[Role::Admin])?;
    let application = find_visible::<ApplicationLifecycle>(tx.conn, caller, id)?;
    if application.state != ApplicationState::UnderReview {
        return Err(AppError::Conflict(
            "only an application under review can be reviewed".into(),
        ));
    }
    let sites = store::sites(tx.conn, id)?;
    let risks = checked_site_risks(&input.site_risks, &sites)?;
    for site in &sites {
        let risk = risks
            .iter()
            .find(|(site_id, _, _)| *site_id == site.id)
            .map(|(_, score, reason)| (*score, reason.as_str()));
        store::set_site_risk(tx.conn, &site.id, risk)?;
    }
    let today = tx.today();
    let review = build_review(tx.conn, &application, &input, caller, today)?;
    let before = store::find_review(tx.conn, id)?.map(|r| json!({"audit_time": r.audit_time.0}));
    store::save_review(tx.conn, &review)?;
    tx.record(Change {
        entity_type: ApplicationLifecycle::ENTITY,
        entity_id: id.as_str(),
        // Internal: the client does not read the CB's review (threats, notes) in the trail.
        organisation_id: None,
        action: "reviewed",
        before,
        after: Some(json!({"audit_time": review.audit_time.0,
            "threats": review.impartiality_threats.0, "adjustments": review.adjustments.0,
            "beyond_table": review.beyond_table.as_ref().map(|entered| &entered.0)})),
    })?;
    review_view(tx.conn, review, &application, today)
}

fn build_review(
    conn: &mut DbConnection,
    application: &Application,
    input: &ReviewInput,
    reviewer: &Caller,
    today: NaiveDate,
) -> AppResult<Review> {
    let standard = standards::store::get(conn, &application.standard_id)?;
    let bands = standards::store::bands(conn, &standard.id)?;
    let mut checker = Checker::new();
    let adjustments = input.check_adjustments(&mut checker);
    let additional: Vec<String> = input
        .additional_threats
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            checker.check(&format!("additional_threats[{i}]"), required_text(t, 1000))
        })
        .collect();
    let notes = checker.check("notes", optional_text(input.notes.as_deref(), 4000));
    let beyond_table = input.check_beyond_table(&mut checker);
    let personnel = input.check_personnel(application.total_personnel, &mut checker);
    let complexity = input.check_complexity(&standards::domain::categories(&bands), &mut checker);
    // The table of the chosen category, or the whole table when it has none.
    let bands = match &complexity {
        Some(Some(choice)) => standards::domain::bands_of(&bands, choice.category),
        _ => bands,
    };
    // Only once the entered days and the personnel are readable is the table consulted.
    let base = match (&beyond_table, &personnel, &complexity) {
        (Some(entered), Some((effective, _)), Some(_)) => checker.check(
            "beyond_table",
            base_days(&bands, *effective, entered.as_ref()),
        ),
        _ => None,
    };
    let time = base.and_then(|base| {
        checker.check(
            "adjustments",
            compute_audit_time(&base, &adjustments, standard.max_reduction_percent),
        )
    });
    let transfer = input.check_transfer(is_transfer(application), &mut checker);
    let remote = checker.check(
        "remote_percent",
        check_remote_share(input.remote_percent, standard.min_on_site_percent),
    );
    let (notes, (time, remote), beyond_table, transfer, ((_, personnel), complexity)) = checker
        .finish((
            notes,
            (time, remote),
            beyond_table,
            transfer,
            (personnel, complexity),
        ))?;
    let time = AuditTime {
        remote_percent: remote,
        ..time
    };
    let sites: Vec<SiteForSampling> = store::sites(conn, &application.id)?
        .into_iter()
        .map(|s| SiteForSampling {
            risk: s.risk_score.unwrap_or(0),
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
        impartiality_threats: Json(
            impartiality(&application.consultancy.0, &additional, today).threats,
        ),
        threats_addressed: input.threats_addressed,
        notes,
        adjustments: Json(adjustments),
        audit_time: Json(time),
        sampled_site_ids: Json(propose_sample(&sites)),
        reviewer_id: reviewer.user_id.clone(),
        updated_at: now(),
        beyond_table: beyond_table.map(Json),
        transfer: transfer.map(Json),
        personnel: personnel.map(Json),
        complexity: complexity.map(Json),
    })
}

/// The risk the review gives sites (IAF MD 1: the non-random part of each sample is chosen
/// by risk): each a site of this application, scored 1 (low) to 5 (high), with a reason.
fn checked_site_risks(
    given: &[SiteRiskInput],
    sites: &[Site],
) -> AppResult<Vec<(SiteId, i64, String)>> {
    let mut checker = Checker::new();
    let risks: Vec<Option<(SiteId, i64, String)>> = given
        .iter()
        .enumerate()
        .map(|(i, risk)| {
            let at = |name: &str| format!("site_risks[{i}].{name}");
            let site = checker.check(
                &at("site_id"),
                if sites.iter().any(|s| s.id == risk.site_id) {
                    Ok(risk.site_id.clone())
                } else {
                    Err("not a site of this application".to_owned())
                },
            );
            let score = checker.check(
                &at("score"),
                if (1..=5).contains(&risk.score) {
                    Ok(risk.score)
                } else {
                    Err("must be between 1 (low) and 5 (high)".to_owned())
                },
            );
            let reason = checker.check(&at("reason"), required_text(&risk.reason, 1000));
            Some((site?, score?, reason?))
        })
        .collect();
    checker.finish(risks.into_iter().collect::<Option<Vec<_>>>())
}

/// IAF MD 1:2018 sets the audit time of a multi-site organisation from the central function
/// and each sampled site (7.3; at most 50 % less per sampled site). Its full text was not
/// available to check the method, so the whole organisation's figure stands, and the review
/// says so.
const MULTI_SITE_TIME_NOTE: &str = "multi-site audit time: the days are computed for the whole \
    organisation's effective personnel; IAF MD 1:2018 7.3 (central function and each sampled site, \
    at most 50 % less per sampled site) is not applied by the service: check the days against it";

fn review_view(
    conn: &mut DbConnection,
    review: Review,
    application: &Application,
    today: NaiveDate,
) -> AppResult<ReviewView> {
    let sites = store::sites(conn, &review.application_id)?;
    let blockers = acceptance_blockers(Some(&checklist(conn, &review, application, today)?));
    let headcounts: i64 = sites.iter().map(|site| site.headcount).sum();
    let mut personnel_findings = Vec::new();
    if headcounts != application.total_personnel {
        personnel_findings.push(format!(
            "the sites' headcounts add up to {headcounts}, the application gives {} people: \
             explain the difference (e.g. staff working remotely or off site) or have it corrected",
            application.total_personnel
        ));
    }
    if sites.len() > 1 {
        personnel_findings.push(MULTI_SITE_TIME_NOTE.to_owned());
    }
    let site_risks = sites
        .iter()
        .filter_map(|site| {
            Some(SiteRiskView {
                site_id: site.id.clone(),
                score: site.risk_score?,
                reason: site.risk_reason.clone().unwrap_or_default(),
            })
        })
        .collect();
    Ok(ReviewView::new(
        review,
        sample_size(sites.len()),
        blockers,
        personnel_findings,
        site_risks,
    ))
}

/// The recorded review (staff only: it holds internal notes and impartiality findings).
pub fn get_review(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &ApplicationId,
    today: NaiveDate,
) -> AppResult<ReviewView> {
    caller.require_role(&[Role::Admin, Role::Auditor, Role::DecisionMaker])?;
    let application = find_visible::<ApplicationLifecycle>(conn, caller, id)?;
    let review = store::find_review(conn, id)?
        .ok_or_else(|| AppError::NotFound("no review has been recorded".into()))?;
    review_view(conn, review, &application, today)
}
