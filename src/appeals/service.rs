//! Use cases of appeals: filing by the client, the handling through the transition kernel
//! by people not involved in the appealed decision, the corrective step and the deadlines.

use chrono::NaiveDateTime;
use serde_json::json;

use super::domain::*;
use super::dto::*;
use super::store::{self, Appeal};
use super::AppealId;
use crate::accounts::store::{self as accounts, User};
use crate::accounts::UserId;
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::certificates::domain::{CertificateStatus, CertificateStep, ScopeChange};
use crate::certificates::service::{check_independent, revise_scope, CertificateLifecycle};
use crate::certificates::{self, CertificateId};
use crate::db::DbConnection;
use crate::decisions::domain::DecisionOutcome;
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageRequest};
use crate::trail::Change;
use crate::validate::required_prose;
use crate::workflow::cases::{self, deadlines, new_reference, OpenCase};
use crate::workflow::impartiality::involvement;
use crate::workflow::transition::{find_visible, take_step, Lifecycle};
use crate::workflow::Tx;

const ENTITY: &str = "appeal";
/// Who runs the appeals process: acknowledges, assigns, follows deadlines.
const COORDINATORS: &[Role] = &[Role::Admin, Role::ComplaintHandler];
/// Who may review an appeal (someone not involved in the decision).
const REVIEWERS: &[Role] = &[Role::DecisionMaker, Role::ComplaintHandler];

/// What the appealed decision was, who took it and when.
struct Appealed {
    decision_id: Option<crate::decisions::DecisionId>,
    certificate_id: Option<CertificateId>,
    certificate_revision: Option<i64>,
    decided_by: Option<UserId>,
    decided_at: NaiveDateTime,
}

/// A client user appeals a decision on their organisation's certification.
pub fn file(tx: &mut Tx<'_>, caller: &Caller, input: AppealInput) -> AppResult<AppealView> {
    caller.require_role(&[Role::Applicant])?;
    let organisation = caller
        .organisation_id
        .clone()
        .ok_or_else(|| AppError::Forbidden("no organisation".into()))?;
    let grounds = required_prose(&input.grounds, 8000)
        .map_err(|message| AppError::invalid("grounds", message))?;
    let appealed = appealed(tx, caller, &input)?;
    let earlier = store::of_subject(
        tx.conn,
        input.subject,
        (
            appealed.decision_id.as_ref(),
            appealed.certificate_id.as_ref(),
        ),
    )?;
    if let Some(open) = earlier.iter().find(|a| a.state.is_open()) {
        return Err(AppError::Conflict(format!(
            "appeal {} of this decision is {}",
            open.reference,
            open.state.label()
        )));
    }
    let (acknowledge_by, resolve_by) = deadlines(tx.today(), tx.rules.case_days);
    let now = tx.now();
    let appeal = Appeal {
        id: AppealId::generate(),
        reference: new_reference('A'),
        organisation_id: organisation,
        subject: input.subject,
        decision_id: appealed.decision_id,
        certificate_id: appealed.certificate_id,
        certificate_revision: appealed.certificate_revision,
        decided_by: appealed.decided_by,
        decided_at: appealed.decided_at,
        grounds,
        filed_by: caller.user_id.clone(),
        state: AppealState::Received,
        handler_id: None,
        outcome_note: None,
        remedied_by: None,
        remedy: None,
        filed_at: now,
        acknowledge_by,
        resolve_by,
        acknowledged_at: None,
        decided_at_on_appeal: None,
        updated_at: now,
    };
    store::insert(tx.conn, &appeal)?;
    tx.record(Change {
        entity_type: ENTITY,
        entity_id: appeal.id.as_str(),
        organisation_id: Some(appeal.organisation_id.as_str()),
        action: "filed",
        before: None,
        after: Some(
            json!({"reference": appeal.reference, "subject": appeal.subject,
            "decision_id": appeal.decision_id, "certificate_id": appeal.certificate_id}),
        ),
    })?;
    let admins = accounts::active_users_with_role(tx.conn, Role::Admin)?;
    tell(tx, &appeal, &admins, "filed", Some(&appeal.grounds))?;
    Ok(appeal.into())
}

/// The decision an appeal names, the caller's organisation's (404 otherwise), of the kind
/// the subject says and still in effect.
fn appealed(tx: &mut Tx<'_>, caller: &Caller, input: &AppealInput) -> AppResult<Appealed> {
    let not_found =
        |field: &str| AppError::invalid(field, "none of your organisation's has this id");
    if input.subject == AppealSubject::Refusal {
        let id = input
            .decision_id
            .as_ref()
            .ok_or_else(|| AppError::invalid("decision_id", "name the refusal appealed against"))?;
        let decision = crate::decisions::store::find(tx.conn, id)?
            .filter(|d| Some(&d.organisation_id) == caller.organisation_id.as_ref())
            .ok_or_else(|| not_found("decision_id"))?;
        if decision.outcome != DecisionOutcome::Refuse {
            return Err(AppError::invalid(
                "decision_id",
                "this decision granted certification",
            ));
        }
        return Ok(Appealed {
            decision_id: Some(decision.id),
            certificate_id: None,
            certificate_revision: None,
            decided_by: Some(decision.decided_by),
            decided_at: decision.decided_at,
        });
    }
    let id = input.certificate_id.as_ref().ok_or_else(|| {
        AppError::invalid(
            "certificate_id",
            "name the certificate the decision was about",
        )
    })?;
    let certificate = certificates::store::find(tx.conn, id)?
        .filter(|c| Some(&c.organisation_id) == caller.organisation_id.as_ref())
        .ok_or_else(|| not_found("certificate_id"))?;
    let (action, status) = match input.subject {
        AppealSubject::Suspension => ("suspended", Some(CertificateStatus::Suspended)),
        AppealSubject::Withdrawal => ("withdrawn", Some(CertificateStatus::Withdrawn)),
        _ => ("scope_reduced", None),
    };
    if status.is_some_and(|status| certificate.status != status) {
        return Err(AppError::Conflict(format!(
            "the certificate is {}, not {action}",
            certificate.status.label()
        )));
    }
    let (actor, at, after) = crate::trail::store::last_actor(
        tx.conn,
        (CertificateLifecycle::ENTITY, id.as_str()),
        &[action],
    )?
    .ok_or_else(|| {
        AppError::Conflict(format!(
            "the certificate was never {}",
            action.replace('_', " ")
        ))
    })?;
    // A reduction is appealed while its revision is the certificate's current one.
    let reduced_to = after
        .and_then(|after| serde_json::from_str::<serde_json::Value>(&after).ok())
        .and_then(|after| after["revision"].as_i64());
    if input.subject == AppealSubject::ScopeReduction && reduced_to != Some(certificate.revision) {
        return Err(AppError::Conflict(
            "the certificate was revised since its scope was reduced: the reduction is no longer in effect".into(),
        ));
    }
    Ok(Appealed {
        decision_id: None,
        certificate_id: Some(certificate.id),
        certificate_revision: reduced_to,
        decided_by: actor.map(UserId::from_text),
        decided_at: at,
    })
}

pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: AppealListQuery,
) -> AppResult<Page<AppealView>> {
    caller.require_role(&[
        Role::Applicant,
        Role::Admin,
        Role::DecisionMaker,
        Role::ComplaintHandler,
    ])?;
    let organisation = caller.organisation_filter(query.organisation_id)?;
    let page = PageRequest::parse(query.limit, query.offset)?;
    let (rows, total) = store::list(conn, (organisation.as_ref(), query.state), page)?;
    Ok(Page::new(rows, total, page, AppealView::from))
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: &AppealId) -> AppResult<AppealView> {
    caller.require_role(&[
        Role::Applicant,
        Role::Admin,
        Role::DecisionMaker,
        Role::ComplaintHandler,
    ])?;
    Ok(find_visible::<AppealLifecycle>(conn, caller, id)?.into())
}

/// Acknowledgement, and the reviewer's decision (upheld or rejected, with its reasons).
pub fn step(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AppealId,
    step: AppealStep,
    note: Option<String>,
) -> AppResult<AppealView> {
    if matches!(step, AppealStep::Uphold | AppealStep::Reject) && note.is_none() {
        return Err(AppError::invalid(
            "note",
            "give the reasons for the decision on the appeal",
        ));
    }
    take_step::<AppealLifecycle>(tx, caller, id, step, note)?;
    reload(tx.conn, id)
}

/// Puts a reviewer in charge who was not involved in the appealed decision (9.7.3): not
/// who took it, not on the client's audit teams or decisions in this cycle, no conflict.
pub fn assign(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AppealId,
    input: AppealAssignInput,
) -> AppResult<AppealView> {
    caller.require_role(COORDINATORS)?;
    let appeal = find_visible::<AppealLifecycle>(tx.conn, caller, id)?;
    let reviewer = accounts::find_user(tx.conn, &input.handler_id)?
        .filter(|user| user.active && REVIEWERS.contains(&user.role))
        .ok_or_else(|| {
            AppError::invalid(
                "handler_id",
                "must be an active decision maker or complaint handler",
            )
        })?;
    if let Some(why) = why_involved(tx, &reviewer, &appeal)? {
        return Err(AppError::invalid("handler_id", why));
    }
    store::set_handler(tx.conn, id, &reviewer.id)?;
    let note = format!("assigned to {}", reviewer.full_name);
    take_step::<AppealLifecycle>(tx, caller, id, AppealStep::Assign, Some(note))?;
    reload(tx.conn, id)
}

fn why_involved(tx: &mut Tx<'_>, user: &User, appeal: &Appeal) -> AppResult<Option<String>> {
    if appeal.decided_by.as_ref() == Some(&user.id) {
        return Ok(Some(format!(
            "{} took the appealed decision: someone not involved reviews it (ISO/IEC 17021-1 9.7.3)",
            user.full_name
        )));
    }
    Ok(involvement(tx, user, &appeal.organisation_id)?.map(|why| {
        format!("{why}: someone not involved reviews the appeal (ISO/IEC 17021-1 9.7.3)")
    }))
}

/// The corrective step of an upheld appeal, by a decision maker who did not take the
/// appealed decision: a suspended or withdrawn certificate is reinstated, a reduced scope
/// restored; after a refusal, the new grant (taken through the decisions API) is linked.
pub fn remedy(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AppealId,
    _: AppealStep,
    note: Option<String>,
) -> AppResult<AppealView> {
    caller.require_role(AppealLifecycle::roles(AppealStep::Remedy))?;
    let appeal = find_visible::<AppealLifecycle>(tx.conn, caller, id)?;
    if appeal.state != AppealState::Upheld {
        return Err(AppError::Conflict(
            next_state(appeal.state, AppealStep::Remedy)
                .err()
                .unwrap_or_else(|| "the appeal was not upheld".into()),
        ));
    }
    if appeal.decided_by.as_ref() == Some(&caller.user_id) {
        return Err(AppError::Forbidden(
            "you took the appealed decision: another decision maker corrects it (ISO/IEC 17021-1 9.7.3)".into(),
        ));
    }
    let reason = format!(
        "appeal {} upheld{}",
        appeal.reference,
        note.as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default()
    );
    let remedy = match (appeal.subject, &appeal.certificate_id) {
        (AppealSubject::Suspension, Some(certificate)) => reinstate(
            tx,
            caller,
            (certificate, CertificateStatus::Suspended),
            &reason,
        )?,
        (AppealSubject::Withdrawal, Some(certificate)) => reinstate(
            tx,
            caller,
            (certificate, CertificateStatus::Withdrawn),
            &reason,
        )?,
        (AppealSubject::ScopeReduction, Some(certificate)) => {
            restore_scope(tx, caller, &appeal, certificate, &reason)?
        }
        _ => new_grant(tx, &appeal)?,
    };
    store::set_remedied_by(tx.conn, id, &caller.user_id)?;
    take_step::<AppealLifecycle>(tx, caller, id, AppealStep::Remedy, Some(remedy))?;
    reload(tx.conn, id)
}

/// Reinstates a certificate that is still as appealed (suspended or withdrawn).
fn reinstate(
    tx: &mut Tx<'_>,
    caller: &Caller,
    (certificate, appealed): (&CertificateId, CertificateStatus),
    reason: &str,
) -> AppResult<String> {
    let found = certificates::store::find(tx.conn, certificate)?
        .ok_or_else(|| AppError::internal("certificate vanished"))?;
    if found.status != appealed {
        return Err(AppError::Conflict(format!(
            "the certificate is {} now, not {}: decide on it through the certificates API",
            found.status.label(),
            appealed.label()
        )));
    }
    if found.expires_on < tx.today() {
        return Err(AppError::Conflict(format!(
            "the certificate's validity ended on {}: certification starts again (ISO/IEC 17021-1 9.6.3.2.5)",
            found.expires_on
        )));
    }
    take_step::<CertificateLifecycle>(
        tx,
        caller,
        certificate,
        CertificateStep::RestoreOnAppeal,
        Some(reason.to_owned()),
    )?;
    Ok(format!("certificate {} reinstated", found.number))
}

fn restore_scope(
    tx: &mut Tx<'_>,
    caller: &Caller,
    appeal: &Appeal,
    certificate: &CertificateId,
    reason: &str,
) -> AppResult<String> {
    let found = find_visible::<CertificateLifecycle>(tx.conn, caller, certificate)?;
    check_independent(tx, caller, &found.programme_id, &found.organisation_id)?;
    if Some(found.revision) != appeal.certificate_revision
        || !matches!(
            found.status,
            CertificateStatus::Active | CertificateStatus::Suspended
        )
    {
        return Err(AppError::Conflict(
            "the certificate changed since the reduction: decide its scope anew through the certificates API".into(),
        ));
    }
    let before = certificates::store::revisions(tx.conn, certificate)?
        .into_iter()
        .find(|r| r.revision == found.revision - 1)
        .ok_or_else(|| AppError::internal("the revision before the reduction is missing"))?;
    let content = before.content.0;
    revise_scope(
        tx,
        &found,
        (content.scope, content.sites),
        (ScopeChange::Restoration, reason),
    )?;
    Ok(format!(
        "certificate {} scope restored as revision {}",
        found.number,
        found.revision + 1
    ))
}

/// After an upheld appeal of a refusal, the correction is a new certification decision
/// (its own prerequisites apply): linked once taken.
fn new_grant(tx: &mut Tx<'_>, appeal: &Appeal) -> AppResult<String> {
    let refusal = appeal
        .decision_id
        .as_ref()
        .and_then(|id| crate::decisions::store::find(tx.conn, id).transpose())
        .transpose()?
        .ok_or_else(|| AppError::internal("an appeal of a refusal without its decision"))?;
    let upheld_at = appeal.decided_at_on_appeal.unwrap_or(appeal.filed_at);
    crate::decisions::store::of_programme(tx.conn, &refusal.programme_id)?
        .into_iter()
        .find(|d| d.outcome == DecisionOutcome::Grant && d.decided_at >= upheld_at)
        .map(|grant| format!("certification granted by decision {}", grant.id))
        .ok_or_else(|| {
            AppError::Conflict(
                "take the new certification decision first (POST /api/v1/decisions), then record it here".into(),
            )
        })
}

fn reload(conn: &mut DbConnection, id: &AppealId) -> AppResult<AppealView> {
    store::find(conn, id)?
        .map(AppealView::from)
        .ok_or_else(|| AppError::internal("appeal vanished"))
}

/// Mails admins and the reviewer about open appeals past a deadline (an upheld one is
/// open until its corrective step), once per appeal and deadline (a scheduled job).
pub fn remind_overdue(tx: &mut Tx<'_>) -> AppResult<usize> {
    let open = store::open_past_deadline(tx.conn, tx.today())?;
    cases::remind_overdue(
        tx,
        &open,
        |a| OpenCase {
            id: a.id.as_str(),
            acknowledged: a.state != AppealState::Received,
            acknowledge_by: a.acknowledge_by,
            resolve_by: a.resolve_by,
        },
        |tx, appeal, headline| {
            let mut recipients = accounts::active_users_with_role(tx.conn, Role::Admin)?;
            if let Some(handler) = &appeal.handler_id {
                recipients.extend(accounts::find_user(tx.conn, handler)?);
            }
            tell(tx, appeal, &recipients, headline, None)
        },
    )
}

fn tell(
    tx: &mut Tx<'_>,
    appeal: &Appeal,
    users: &[User],
    headline: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let link = format!("{}/api/v1/appeals/{}", tx.rules.cb.public_url, appeal.id);
    for user in users {
        tx.mail(
            &user.email,
            "case_notice",
            json!({"recipient_name": user.full_name,
                "case": format!("Appeal {} against a {}", appeal.reference, appeal.subject.label()),
                "headline": headline, "note": note.unwrap_or(""), "link": link}),
        )?;
    }
    Ok(())
}

/// Appeals as the transition kernel sees them.
pub struct AppealLifecycle;

impl Lifecycle for AppealLifecycle {
    const ENTITY: &'static str = ENTITY;
    type Id = AppealId;
    type Record = Appeal;
    type State = AppealState;
    type Step = AppealStep;

    fn load(conn: &mut DbConnection, id: &AppealId) -> AppResult<Option<Appeal>> {
        store::find(conn, id)
    }

    fn scope(appeal: &Appeal) -> ObjectScope<'_> {
        ObjectScope {
            organisation_id: Some(&appeal.organisation_id),
            staff: StaffAccess::AnyStaff,
        }
    }

    fn state(appeal: &Appeal) -> AppealState {
        appeal.state
    }

    fn next(from: AppealState, step: AppealStep) -> Result<AppealState, String> {
        next_state(from, step)
    }

    fn roles(step: AppealStep) -> &'static [Role] {
        match step {
            AppealStep::Acknowledge | AppealStep::Assign => COORDINATORS,
            AppealStep::Uphold | AppealStep::Reject => REVIEWERS,
            AppealStep::Remedy => &[Role::DecisionMaker],
        }
    }

    fn action(step: AppealStep) -> &'static str {
        match step {
            AppealStep::Acknowledge => "acknowledged",
            AppealStep::Assign => "assigned",
            AppealStep::Uphold => "upheld",
            AppealStep::Reject => "rejected",
            AppealStep::Remedy => "remedied",
        }
    }

    /// The decision on the appeal is its reviewer's, who must still not be involved.
    fn before_step(
        tx: &mut Tx<'_>,
        caller: &Caller,
        appeal: &Appeal,
        step: AppealStep,
    ) -> AppResult<()> {
        if !matches!(step, AppealStep::Uphold | AppealStep::Reject) {
            return Ok(());
        }
        if appeal.handler_id.as_ref() != Some(&caller.user_id) {
            return Err(AppError::Forbidden(
                "only the appeal's assigned reviewer decides it".into(),
            ));
        }
        let user = accounts::find_user(tx.conn, &caller.user_id)?
            .ok_or_else(|| AppError::internal("the caller vanished"))?;
        match why_involved(tx, &user, appeal)? {
            Some(why) => Err(AppError::Forbidden(why)),
            None => Ok(()),
        }
    }

    fn store_state(
        conn: &mut DbConnection,
        id: &AppealId,
        from: AppealState,
        to: AppealState,
        note: Option<&str>,
        (_, at): (&Caller, NaiveDateTime),
    ) -> AppResult<bool> {
        store::set_state(conn, id, (from, to), note, at)
    }

    /// The client's users hear of every step but the assignment, which goes to the reviewer.
    fn notify(
        tx: &mut Tx<'_>,
        appeal: &Appeal,
        step: AppealStep,
        to: AppealState,
        note: Option<&str>,
    ) -> AppResult<()> {
        let recipients = match (step, &appeal.handler_id) {
            (AppealStep::Assign, Some(reviewer)) => accounts::find_user(tx.conn, reviewer)?
                .into_iter()
                .collect(),
            _ => accounts::active_users_of_organisation(tx.conn, &appeal.organisation_id)?,
        };
        let headline = match step {
            AppealStep::Assign => "assigned to you for review".to_owned(),
            _ => to.label(),
        };
        tell(tx, appeal, &recipients, &headline, note)
    }
}
