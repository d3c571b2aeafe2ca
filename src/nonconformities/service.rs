//! Use cases of findings: filing (by the audit's team, through `audits`), the client's
//! response, the auditor's review and verification, lists, and the deadline job.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use super::domain::*;
use super::dto::*;
use super::store::{self, Finding};
use super::FindingId;
use crate::accounts::store as accounts;
use crate::accounts::{OrganisationId, UserId};
use crate::audits::AuditId;
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::db::DbConnection;
use crate::documents::store::DocumentInfo;
use crate::documents::upload::Upload;
use crate::documents::{self, DocumentId, DocumentView, Owner, Purpose};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageRequest};
use crate::scheduler::first_notice;
use crate::standards::{self, StandardId};
use crate::trail::Change;
use crate::validate::{required_text, Checker};
use crate::workflow::transition::{find_readable, find_visible, take_step, Lifecycle};
use crate::workflow::Tx;

/// The audit a finding is filed against, as `audits` hands it over after its own checks
/// (the audit is in progress or in report draft, the caller is on its team).
pub struct AuditFacts<'a> {
    pub id: &'a AuditId,
    pub organisation_id: &'a OrganisationId,
    pub standard_id: &'a StandardId,
    pub ends_on: NaiveDate,
    /// The 6-month limit for majors is stage 2's (9.5.3).
    pub is_stage2: bool,
}

/// Files a finding: the clause must resolve in the audited standard's clause tree; a
/// nonconformity opens with its response and closure dates.
pub fn file(
    tx: &mut Tx<'_>,
    caller: &Caller,
    audit: AuditFacts<'_>,
    input: FindingInput,
) -> AppResult<FindingView> {
    let tree: Vec<String> = standards::store::clauses(tx.conn, audit.standard_id)?
        .into_iter()
        .map(|c| c.clause)
        .collect();
    let mut checker = Checker::new();
    let clause = checker.check("clause", check_clause(&input.clause, &tree));
    let requirement = checker.check("requirement", required_text(&input.requirement, 2000));
    let evidence = checker.check("evidence", required_text(&input.evidence, 4000));
    let statement = checker.check("statement", required_text(&input.statement, 4000));
    let (clause, requirement, evidence, statement) =
        checker.finish((clause, requirement, evidence, statement))?;
    let (state, (response_due, closure_due)) = if input.kind.is_nonconformity() {
        let (respond, close) = deadlines(
            input.kind,
            (audit.ends_on, audit.is_stage2),
            tx.today(),
            (tx.rules.nc_response_days, tx.rules.nc_closure_days),
        );
        (FindingState::Open, (Some(respond), close))
    } else {
        (FindingState::Noted, (None, None))
    };
    let at = tx.now();
    let finding = Finding {
        id: FindingId::generate(),
        audit_id: audit.id.clone(),
        organisation_id: audit.organisation_id.clone(),
        kind: input.kind,
        clause,
        requirement,
        evidence,
        statement,
        state,
        response: None,
        response_due,
        closure_due,
        state_note: None,
        filed_by: caller.user_id.clone(),
        filed_at: at,
        updated_at: at,
    };
    store::insert(tx.conn, &finding)?;
    tx.record(Change {
        entity_type: FindingLifecycle::ENTITY,
        entity_id: finding.id.as_str(),
        organisation_id: Some(finding.organisation_id.as_str()),
        action: "filed",
        before: None,
        after: Some(json!({"audit_id": finding.audit_id, "kind": finding.kind,
            "clause": finding.clause, "state": finding.state})),
    })?;
    Ok(FindingView::from(finding))
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: &FindingId) -> AppResult<FindingView> {
    let record = find_readable::<FindingLifecycle>(conn, caller, id)?;
    Ok(FindingView::from(record.finding))
}

/// Findings the caller may see: a client its own, an auditor those of their audits,
/// admins and decision makers all.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: FindingListQuery,
    today: NaiveDate,
) -> AppResult<Page<FindingView>> {
    caller.require_role(&[
        Role::Applicant,
        Role::Auditor,
        Role::Admin,
        Role::DecisionMaker,
    ])?;
    let page = PageRequest::parse(query.limit, query.offset)?;
    let organisation = caller.organisation_filter(None)?;
    let assessor = (caller.role == Role::Auditor).then(|| caller.user_id.clone());
    let (rows, total) = store::list(
        conn,
        organisation.as_ref(),
        assessor.as_ref(),
        query.state,
        query.overdue.unwrap_or(false).then_some(today),
        page,
    )?;
    Ok(Page::new(rows, total, page, FindingView::from))
}

/// The client answers a nonconformity: correction, root cause, corrective action and
/// their dates (17021-1 9.4.9). Again after a return.
pub fn respond(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &FindingId,
    input: ResponseInput,
) -> AppResult<FindingView> {
    caller.require_role(FindingLifecycle::roles(FindingStep::Respond))?;
    // Found first: another client's finding is a 404, whatever the body says.
    let closure_due = find_visible::<FindingLifecycle>(tx.conn, caller, id)?
        .finding
        .closure_due;
    let mut checker = Checker::new();
    let correction = checker.check("correction", required_text(&input.correction, 4000));
    let root_cause = checker.check("root_cause", required_text(&input.root_cause, 4000));
    let action = checker.check(
        "corrective_action",
        required_text(&input.corrective_action, 4000),
    );
    let today = tx.today();
    // A major's plan must fit its verification date.
    for (field, date) in [
        ("correction_due", input.correction_due),
        ("action_due", input.action_due),
    ] {
        if date < today {
            checker.check::<()>(field, Err("must not be in the past".into()));
        } else if let Some(due) = closure_due.filter(|due| date > *due) {
            checker.check::<()>(
                field,
                Err(format!(
                    "must not be after {due}, when the major must be verified"
                )),
            );
        }
    }
    let (correction, root_cause, corrective_action) =
        checker.finish((correction, root_cause, action))?;
    let response = Response {
        correction,
        root_cause,
        corrective_action,
        correction_due: input.correction_due,
        action_due: input.action_due,
    };
    take_step::<FindingLifecycle>(tx, caller, id, FindingStep::Respond, None)?;
    store::set_response(tx.conn, id, &response)?;
    let organisation = caller.organisation_id.as_ref().map(|o| o.as_str());
    tx.record(Change {
        entity_type: FindingLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: organisation,
        action: "response_recorded",
        before: None,
        after: Some(json!(response)),
    })?;
    view(tx.conn, id)
}

/// A step of the nonconformity's review: accept, return (with the reason), submit
/// evidence, verify.
pub fn step(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &FindingId,
    step: FindingStep,
    note: Option<String>,
) -> AppResult<FindingView> {
    caller.require_role(FindingLifecycle::roles(step))?;
    if step == FindingStep::Return && note.is_none() {
        return Err(AppError::invalid(
            "note",
            "say why the response is returned",
        ));
    }
    take_step::<FindingLifecycle>(tx, caller, id, step, note)?;
    view(tx.conn, id)
}

/// The client uploads evidence of its correction and corrective action, until the
/// nonconformity is verified.
pub fn upload_evidence(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &FindingId,
    upload: Upload,
) -> AppResult<DocumentView> {
    caller.require_role(&[Role::Applicant])?;
    let finding = find_visible::<FindingLifecycle>(tx.conn, caller, id)?.finding;
    if !finding.state.is_pending() {
        return Err(AppError::Conflict(format!(
            "the finding is {}: no evidence is taken",
            finding.state.label()
        )));
    }
    documents::attach(
        tx,
        caller,
        Owner {
            organisation_id: &finding.organisation_id,
            audit_id: None,
            finding_id: Some(id),
            purpose: Purpose::CorrectiveActionEvidence,
        },
        upload,
    )
}

/// The evidence attached to a finding the caller may read.
pub fn evidence(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &FindingId,
) -> AppResult<Vec<DocumentView>> {
    find_readable::<FindingLifecycle>(conn, caller, id)?;
    documents::list(conn, None, Some(id))
}

/// One piece of evidence of a finding the caller may read, with its bytes.
pub fn evidence_document(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &FindingId,
    document: &DocumentId,
) -> AppResult<(DocumentInfo, Vec<u8>)> {
    find_readable::<FindingLifecycle>(conn, caller, id)?;
    documents::download(conn, document, None, Some(id))
}

fn view(conn: &mut DbConnection, id: &FindingId) -> AppResult<FindingView> {
    store::find(conn, id)?
        .map(FindingView::from)
        .ok_or_else(|| AppError::NotFound("no finding has this id".into()))
}

/// A finding with the staff who may assess it.
pub struct FindingRecord {
    pub finding: Finding,
    pub assessors: Vec<UserId>,
}

/// Findings as the transition kernel sees them.
pub struct FindingLifecycle;

impl Lifecycle for FindingLifecycle {
    const ENTITY: &'static str = "finding";
    type Id = FindingId;
    type Record = FindingRecord;
    type State = FindingState;
    type Step = FindingStep;

    fn load(conn: &mut DbConnection, id: &FindingId) -> AppResult<Option<FindingRecord>> {
        let Some(finding) = store::find(conn, id)? else {
            return Ok(None);
        };
        let assessors = store::assessors(conn, &finding)?;
        Ok(Some(FindingRecord { finding, assessors }))
    }

    fn scope(record: &FindingRecord) -> ObjectScope<'_> {
        ObjectScope {
            organisation_id: Some(&record.finding.organisation_id),
            staff: StaffAccess::Assigned(&record.assessors),
        }
    }

    fn state(record: &FindingRecord) -> FindingState {
        record.finding.state
    }

    fn next(from: FindingState, step: FindingStep) -> Result<FindingState, String> {
        next_finding_state(from, step)
    }

    fn roles(step: FindingStep) -> &'static [Role] {
        match step {
            FindingStep::Respond | FindingStep::SubmitEvidence => &[Role::Applicant],
            FindingStep::Accept | FindingStep::Return | FindingStep::Verify => &[Role::Auditor],
        }
    }

    fn action(step: FindingStep) -> &'static str {
        match step {
            FindingStep::Respond => "responded",
            FindingStep::Accept => "accepted",
            FindingStep::Return => "returned",
            FindingStep::SubmitEvidence => "evidence_submitted",
            FindingStep::Verify => "verified",
        }
    }

    fn store_state(
        conn: &mut DbConnection,
        id: &FindingId,
        from: FindingState,
        to: FindingState,
        note: Option<&str>,
        (_, at): (&Caller, NaiveDateTime),
    ) -> AppResult<bool> {
        store::set_state(conn, id, from, to, note, at)
    }

    /// A major is verified on evidence. Verifying a stage 2 major after its 6 months still
    /// closes it, but marks the programme for a new stage 2 (9.5.3).
    fn before_step(
        tx: &mut Tx<'_>,
        _caller: &Caller,
        record: &FindingRecord,
        step: FindingStep,
    ) -> AppResult<()> {
        let finding = &record.finding;
        if step != FindingStep::Verify || finding.kind != FindingKind::Major {
            return Ok(());
        }
        if finding.state != FindingState::EvidenceSubmitted {
            return Err(AppError::Conflict(
                "a major nonconformity is verified on the client's evidence: it has not been submitted".into(),
            ));
        }
        let (audit_kind, ends_on, programme) = store::audit_of(tx.conn, finding)?;
        if audit_kind == "stage2" && tx.today() > new_stage2_limit(ends_on) {
            flag_new_stage2(tx, finding, &programme, ends_on)?;
        }
        Ok(())
    }

    /// The client hears of the auditor's steps; the assessors of the client's.
    fn notify(
        tx: &mut Tx<'_>,
        record: &FindingRecord,
        step: FindingStep,
        to: FindingState,
        note: Option<&str>,
    ) -> AppResult<()> {
        let headline = format!("nonconformity {}", to.label());
        let recipients = match step {
            FindingStep::Respond | FindingStep::SubmitEvidence => record
                .assessors
                .iter()
                .filter_map(|id| accounts::find_user(tx.conn, id).transpose())
                .collect::<AppResult<Vec<_>>>()?,
            _ => accounts::active_users_of_organisation(tx.conn, &record.finding.organisation_id)?,
        };
        mail_about(tx, &record.finding, &recipients, &headline, note)
    }
}

fn mail_about(
    tx: &mut Tx<'_>,
    finding: &Finding,
    recipients: &[accounts::User],
    headline: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let organisation = accounts::find_organisation(tx.conn, finding.organisation_id.as_str())?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    for user in recipients.iter().filter(|user| user.active) {
        tx.mail(
            &user.email,
            "finding_notice",
            json!({
                "recipient_name": user.full_name,
                "organisation_name": organisation.legal_name,
                "headline": headline,
                "kind": finding.kind.label(),
                "clause": finding.clause,
                "statement": finding.statement,
                "note": note.unwrap_or(""),
                "finding_id": finding.id,
            }),
        )?;
    }
    Ok(())
}

/// Mails what is overdue, once per finding and deadline: answers to the client, closures to
/// the client and the assessors. Marks a programme as needing a new stage 2 when a stage 2
/// major stays unverified for 6 months (17021-1 9.5.3) and tells the admins. Returns the
/// number of notices.
pub fn remind_overdue(tx: &mut Tx<'_>) -> AppResult<usize> {
    let today = tx.today();
    let mut sent = 0;
    for finding in store::overdue(tx.conn, today)? {
        let awaiting_client = matches!(finding.state, FindingState::Open | FindingState::Returned);
        let notices = [
            (
                awaiting_client && finding.response_due.is_some_and(|due| due < today),
                "response-overdue",
                "the answer to a nonconformity is overdue",
            ),
            (
                finding.closure_due.is_some_and(|due| due < today),
                "closure-overdue",
                "a major nonconformity is not verified by its due date",
            ),
        ];
        for (due, notice, headline) in notices {
            if !due || !first_notice(tx.conn, finding.id.as_str(), notice, tx.now())? {
                continue;
            }
            let mut recipients =
                accounts::active_users_of_organisation(tx.conn, &finding.organisation_id)?;
            for id in store::assessors(tx.conn, &finding)? {
                recipients.extend(accounts::find_user(tx.conn, &id)?);
            }
            mail_about(tx, &finding, &recipients, headline, None)?;
            sent += 1;
        }
    }
    for (finding, programme, stage2_ended) in store::unverified_stage2_majors(tx.conn)? {
        if today > new_stage2_limit(stage2_ended)
            && flag_new_stage2(tx, &finding, &programme, stage2_ended)?
        {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Marks the programme as needing a new stage 2 (9.5.3) and tells the admins, once per
/// programme; false when it was already marked.
fn flag_new_stage2(
    tx: &mut Tx<'_>,
    finding: &Finding,
    programme: &crate::programmes::ProgrammeId,
    stage2_ended: NaiveDate,
) -> AppResult<bool> {
    if !first_notice(tx.conn, programme.as_str(), "new-stage2-required", tx.now())? {
        return Ok(false);
    }
    crate::programmes::store::require_new_stage2(tx.conn, programme, tx.today())?;
    tx.record(Change {
        entity_type: "programme",
        entity_id: programme.as_str(),
        organisation_id: Some(finding.organisation_id.as_str()),
        action: "new_stage2_required",
        before: None,
        after: Some(json!({"finding_id": finding.id, "stage2_ended_on": stage2_ended})),
    })?;
    let admins = accounts::active_users_with_role(tx.conn, Role::Admin)?;
    let headline = "a major nonconformity was not verified within 6 months of stage 2: a new stage 2 is needed before a decision (ISO/IEC 17021-1 9.5.3)";
    mail_about(tx, finding, &admins, headline, None)?;
    Ok(true)
}
