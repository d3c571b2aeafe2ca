//! Use cases of audits: plan from the agreed programme (or a special audit), the team and
//! the client's objections, the lifecycle through the transition kernel, the outcome, the
//! report and its revisions, and filing findings.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use super::domain::*;
use super::dto::*;
use super::report;
use super::store::{self, Audit, FrozenReport, TeamMember};
use super::AuditId;
use crate::accounts::store as accounts;
use crate::accounts::{OrganisationId, UserId};
use crate::applications::{self, SiteId};
use crate::auditors::domain::{uncovered_sectors, TeamRole};
use crate::auditors::service::check_member;
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::documents::store::DocumentInfo;
use crate::documents::upload::Upload;
use crate::documents::{self, DocumentId, DocumentView, Owner, Purpose};
use crate::error::{AppError, AppResult};
use crate::nonconformities;
use crate::nonconformities::dto::{FindingInput, FindingView};
use crate::pagination::{Page, PageRequest};
use crate::programmes::domain::{check_remote_share, ProgrammeState};
use crate::programmes::{self, ProgrammeId};
use crate::standards::{self, StandardId};
use crate::trail::Change;
use crate::validate::{optional_text, required_text, Checker};
use crate::workflow::transition::{find_visible, take_step, Lifecycle};
use crate::workflow::Tx;

/// An audit with the ids of its team, as the object-access check needs them.
pub struct AuditRecord {
    pub audit: Audit,
    pub team: Vec<UserId>,
}

/// Decision makers read every audit (they decide on its report); everyone else by the
/// lifecycle's rules: the client its own, the team, admins.
fn find_readable(conn: &mut DbConnection, caller: &Caller, id: &AuditId) -> AppResult<AuditRecord> {
    if caller.role == Role::DecisionMaker {
        return AuditLifecycle::load(conn, id)?
            .ok_or_else(|| AppError::NotFound("no audit has this id".into()));
    }
    find_visible::<AuditLifecycle>(conn, caller, id)
}

fn view(conn: &mut DbConnection, id: &AuditId) -> AppResult<AuditView> {
    let audit =
        store::find(conn, id)?.ok_or_else(|| AppError::NotFound("no audit has this id".into()))?;
    Ok(views(conn, vec![audit])?.remove(0))
}

/// The views of several audits, their teams and carried nonconformities loaded in one
/// query each.
fn views(conn: &mut DbConnection, audits: Vec<Audit>) -> AppResult<Vec<AuditView>> {
    let ids: Vec<AuditId> = audits.iter().map(|a| a.id.clone()).collect();
    let programmes: Vec<ProgrammeId> = audits.iter().map(|a| a.programme_id.clone()).collect();
    let mut teams = store::teams(conn, &ids)?;
    let pending = nonconformities::store::pending_in_programmes(conn, &programmes)?;
    Ok(audits
        .into_iter()
        .map(|audit| {
            let (team, others) = std::mem::take(&mut teams)
                .into_iter()
                .partition(|(member, _)| member.audit_id == audit.id);
            teams = others;
            let carried = pending
                .iter()
                .filter(|(f, programme)| *programme == audit.programme_id && f.audit_id != audit.id)
                .map(|(f, _)| f.id.clone())
                .collect();
            AuditView::new(
                audit,
                team.into_iter()
                    .map(TeamMemberView::new)
                    .collect::<Vec<_>>(),
                carried,
            )
        })
        .collect())
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: &AuditId) -> AppResult<AuditView> {
    find_readable(conn, caller, id)?;
    view(conn, id)
}

/// Audits the caller may see, latest first: a client its own, an auditor those they are
/// on the team of, admins and decision makers all.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: AuditListQuery,
) -> AppResult<Page<AuditView>> {
    caller.require_role(&[
        Role::Applicant,
        Role::Auditor,
        Role::Admin,
        Role::DecisionMaker,
    ])?;
    let page = PageRequest::parse(query.limit, query.offset)?;
    let filter = store::AuditFilter {
        organisation_id: match caller.role {
            Role::Applicant => Some(
                caller
                    .organisation_id
                    .clone()
                    .ok_or_else(|| AppError::Forbidden("no organisation".into()))?,
            ),
            _ => None,
        },
        team_member: (caller.role == Role::Auditor).then(|| caller.user_id.clone()),
        programme_id: query.programme_id,
        state: query.state,
    };
    let (rows, total) = store::list(conn, &filter, page)?;
    Ok(Page::new(views(conn, rows)?, total, page, |view| view))
}

/// The facts a team is checked against.
struct TeamContext<'a> {
    standard_id: &'a StandardId,
    organisation_id: &'a OrganisationId,
    dates: (NaiveDate, NaiveDate),
    sector_codes: &'a [u8],
    today: NaiveDate,
}

/// Checks a whole team: each member qualified and free of conflicts on the audit's
/// dates, one lead auditor, nobody twice, every sector code in scope covered.
fn checked_team(
    conn: &mut DbConnection,
    audit_id: &AuditId,
    input: &[TeamMemberInput],
    context: &TeamContext<'_>,
    at: chrono::NaiveDateTime,
) -> AppResult<Vec<TeamMember>> {
    let leads = input
        .iter()
        .filter(|m| m.role == TeamRole::LeadAuditor)
        .count();
    if leads != 1 {
        return Err(AppError::invalid(
            "team",
            format!("name exactly one lead auditor (found {leads})"),
        ));
    }
    let mut team: Vec<TeamMember> = Vec::with_capacity(input.len());
    for (i, member) in input.iter().enumerate() {
        let field = format!("team[{i}].user_id");
        if team.iter().any(|m| m.user_id == member.user_id) {
            return Err(AppError::invalid(
                field,
                "this person is already on the team",
            ));
        }
        let codes = check_member(
            conn,
            &field,
            &member.user_id,
            member.role,
            context.standard_id,
            context.organisation_id,
            context.dates,
            context.today,
        )?;
        team.push(TeamMember {
            audit_id: audit_id.clone(),
            user_id: member.user_id.clone(),
            role: member.role,
            sector_codes: Json(codes),
            objection: None,
            added_at: at,
        });
    }
    check_coverage(context.sector_codes, &team)?;
    Ok(team)
}

fn check_coverage(in_scope: &[u8], team: &[TeamMember]) -> AppResult<()> {
    let covered: Vec<u8> = team
        .iter()
        .flat_map(|m| m.sector_codes.0.iter().copied())
        .collect();
    let missing = uncovered_sectors(in_scope, &covered);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(
            "team",
            format!(
                "no member is qualified for IAF sector code(s) {missing:?} in the audit's scope"
            ),
        ))
    }
}

/// Plans an audit of an agreed programme (admins): the programme entry's sample becomes
/// the sites to visit; the team is checked; the client is mailed the plan and the team.
pub fn plan(tx: &mut Tx<'_>, caller: &Caller, input: PlanInput) -> AppResult<AuditView> {
    caller.require_role(&[Role::Admin])?;
    let today = tx.today();
    let (programme, entry) =
        match (&input.programme_audit_id, &input.programme_id) {
            (Some(entry_id), None) => {
                let entry = programmes::store::find_audit(tx.conn, entry_id)?.ok_or_else(|| {
                    AppError::invalid("programme_audit_id", "no programme audit has this id")
                })?;
                let programme = programmes::store::find(tx.conn, &entry.programme_id)?
                    .ok_or_else(|| AppError::internal("a programme audit without its programme"))?;
                (programme, Some(entry))
            }
            (None, Some(programme_id)) => {
                let programme = programmes::store::find(tx.conn, programme_id)?
                    .ok_or_else(|| AppError::invalid("programme_id", "no programme has this id"))?;
                (programme, None)
            }
            _ => return Err(AppError::invalid(
                "programme_audit_id",
                "give programme_audit_id, or programme_id with special_reason for a special audit",
            )),
        };
    if programme.state != ProgrammeState::Agreed {
        return Err(AppError::Conflict(
            "the client has not agreed to the programme yet (ISO/IEC 17021-1 5.1.2)".into(),
        ));
    }
    let application = applications::store::find(tx.conn, &programme.application_id)?
        .ok_or_else(|| AppError::internal("a programme without its application"))?;
    let sites = applications::store::sites(tx.conn, &application.id)?;
    let standard = standards::store::get(tx.conn, &programme.standard_id)?;

    let mut checker = Checker::new();
    let kind = entry.as_ref().map_or(AuditKind::Special, |e| e.kind.into());
    let special_reason = checker.check(
        "special_reason",
        match (kind, optional_text(input.special_reason.as_deref(), 2000)) {
            (AuditKind::Special, Ok(None)) => Err("say why the special audit is held".into()),
            (AuditKind::Special, reason) => reason,
            (_, Ok(Some(_))) => Err("only special audits take a reason".into()),
            (_, other) => other,
        },
    );
    let (site_ids, random_site_ids) = match &entry {
        Some(entry) => (
            entry.sample.0.site_ids.clone(),
            entry.sample.0.random_site_ids.clone(),
        ),
        None if input.site_ids.is_empty() => (
            sites
                .iter()
                .filter(|s| s.is_central)
                .map(|s| s.id.clone())
                .collect(),
            Vec::new(),
        ),
        None => {
            let known: Vec<&SiteId> = sites.iter().map(|s| &s.id).collect();
            checker.check(
                "site_ids",
                match input.site_ids.iter().find(|id| !known.contains(id)) {
                    Some(id) => Err(format!("{id} is not a site of this client")),
                    None => Ok(()),
                },
            );
            (input.site_ids.clone(), Vec::new())
        }
    };
    if input.ends_on < input.starts_on {
        checker.check::<()>("ends_on", Err("must not be before starts_on".into()));
    }
    if input.starts_on < today {
        checker.check::<()>("starts_on", Err("must not be in the past".into()));
    }
    let remote = checker.check(
        "remote_percent",
        check_mode(input.mode, input.remote_percent)
            .and_then(|share| check_remote_share(share, standard.min_on_site_percent)),
    );
    let days = input
        .days
        .unwrap_or(entry.as_ref().map_or(1.0, |e| e.planned_days));
    let days = checker.check(
        "days",
        if (0.5..=1000.0).contains(&days) {
            Ok(days)
        } else {
            Err("must be between 0.5 and 1000".into())
        },
    );
    let objectives = checker.check("objectives", required_text(&input.objectives, 4000));
    let scope = checker.check("scope", optional_text(input.scope.as_deref(), 4000));
    let criteria = checker.check("criteria", optional_text(input.criteria.as_deref(), 4000));
    let (special_reason, remote_percent, days, objectives, (scope, criteria)) =
        checker.finish((
            special_reason,
            remote,
            days,
            objectives,
            scope.zip(criteria),
        ))?;

    let id = AuditId::generate();
    let sector_codes = application.sector_codes.0.clone();
    let at = tx.now();
    let team = checked_team(
        tx.conn,
        &id,
        &input.team,
        &TeamContext {
            standard_id: &programme.standard_id,
            organisation_id: &programme.organisation_id,
            dates: (input.starts_on, input.ends_on),
            sector_codes: &sector_codes,
            today,
        },
        at,
    )?;
    let audit = Audit {
        id: id.clone(),
        programme_id: programme.id.clone(),
        programme_audit_id: entry.map(|e| e.id),
        organisation_id: programme.organisation_id.clone(),
        standard_id: programme.standard_id.clone(),
        kind,
        state: AuditState::Planned,
        mode: input.mode,
        remote_percent,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        days,
        plan: Json(Plan {
            objectives,
            scope: scope.unwrap_or(application.scope_statement),
            criteria: criteria.unwrap_or_else(|| {
                format!(
                    "{} and the client's documented management system",
                    standard.designation()
                )
            }),
            site_ids,
            random_site_ids,
            sector_codes,
            special_reason,
        }),
        outcome: None,
        state_note: None,
        updated_at: at,
    };
    store::insert(tx.conn, &audit, &team)?;
    tx.record(Change {
        entity_type: AuditLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(audit.organisation_id.as_str()),
        action: "planned",
        before: None,
        after: Some(json!({"kind": audit.kind, "starts_on": audit.starts_on,
            "ends_on": audit.ends_on, "mode": audit.mode, "days": audit.days,
            "team": team.iter().map(|m| json!({"user_id": m.user_id, "role": m.role})).collect::<Vec<_>>()})),
    })?;
    tell_client(
        tx,
        &audit,
        "planned: you may object to a team member before it starts",
        None,
    )?;
    view(tx.conn, &id)
}

/// Replaces the team of a planned audit (admins), e.g. after an upheld objection.
pub fn replace_team(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    input: TeamInput,
) -> AppResult<AuditView> {
    caller.require_role(&[Role::Admin])?;
    let record = find_visible::<AuditLifecycle>(tx.conn, caller, id)?;
    let audit = record.audit;
    if audit.state != AuditState::Planned {
        return Err(AppError::Conflict(
            "the team changes only while the audit is planned".into(),
        ));
    }
    let at = tx.now();
    let team = checked_team(
        tx.conn,
        id,
        &input.team,
        &TeamContext {
            standard_id: &audit.standard_id,
            organisation_id: &audit.organisation_id,
            dates: (audit.starts_on, audit.ends_on),
            sector_codes: &audit.plan.0.sector_codes,
            today: tx.today(),
        },
        at,
    )?;
    store::replace_team(tx.conn, id, &team)?;
    tx.record(Change {
        entity_type: AuditLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(audit.organisation_id.as_str()),
        action: "team_changed",
        before: Some(json!({"team": record.team})),
        after: Some(json!({"team": team.iter().map(|m| json!({"user_id": m.user_id, "role": m.role})).collect::<Vec<_>>()})),
    })?;
    tell_client(tx, &audit, "planned with a changed team", None)?;
    view(tx.conn, id)
}

/// The client objects to a team member before the audit starts (17021-1 9.2.3.3).
pub fn object(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    member: &UserId,
    input: ObjectionInput,
) -> AppResult<AuditView> {
    caller.require_role(&[Role::Applicant])?;
    let record = find_visible::<AuditLifecycle>(tx.conn, caller, id)?;
    if !matches!(
        record.audit.state,
        AuditState::Planned | AuditState::Confirmed
    ) {
        return Err(AppError::Conflict(
            "objections are possible only before the audit starts".into(),
        ));
    }
    let reason = required_text(&input.reason, 2000)
        .map_err(|message| AppError::invalid("reason", message))?;
    let (current, _) = team_member(tx.conn, id, member)?;
    if current
        .objection
        .as_ref()
        .is_some_and(|o| o.0.status == ObjectionStatus::Pending)
    {
        return Err(AppError::Conflict(
            "an objection to this member is already pending".into(),
        ));
    }
    let objection = Objection {
        reason,
        status: ObjectionStatus::Pending,
        raised_on: tx.today(),
        decision_note: None,
    };
    store::set_objection(tx.conn, id, member, &objection)?;
    tx.record(Change {
        entity_type: AuditLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(record.audit.organisation_id.as_str()),
        action: "objection_raised",
        before: None,
        after: Some(json!({"member": member, "reason": objection.reason})),
    })?;
    let admins = accounts::active_users_with_role(tx.conn, Role::Admin)?;
    mail(
        tx,
        &record.audit,
        &admins,
        "the client objects to a team member",
        Some(&objection.reason),
    )?;
    view(tx.conn, id)
}

fn team_member(
    conn: &mut DbConnection,
    id: &AuditId,
    member: &UserId,
) -> AppResult<(TeamMember, String)> {
    store::team(conn, id)?
        .into_iter()
        .find(|(m, _)| &m.user_id == member)
        .ok_or_else(|| AppError::NotFound("this person is not on the audit's team".into()))
}

/// An admin decides a pending objection. Upheld: the member leaves the team and a
/// confirmed plan goes back to planned, to be confirmed again with the new team.
pub fn decide_objection(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    member: &UserId,
    input: ObjectionDecisionInput,
) -> AppResult<AuditView> {
    caller.require_role(&[Role::Admin])?;
    let record = find_visible::<AuditLifecycle>(tx.conn, caller, id)?;
    let note = optional_text(input.note.as_deref(), 2000)
        .map_err(|message| AppError::invalid("note", message))?;
    let (current, name) = team_member(tx.conn, id, member)?;
    let Some(Json(mut objection)) = current
        .objection
        .filter(|o| o.0.status == ObjectionStatus::Pending)
    else {
        return Err(AppError::Conflict(
            "no objection to this member is pending".into(),
        ));
    };
    objection.status = if input.upheld {
        ObjectionStatus::Upheld
    } else {
        ObjectionStatus::Dismissed
    };
    objection.decision_note = note.clone();
    if input.upheld {
        store::remove_member(tx.conn, id, member)?;
    } else {
        store::set_objection(tx.conn, id, member, &objection)?;
    }
    tx.record(Change {
        entity_type: AuditLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(record.audit.organisation_id.as_str()),
        action: if input.upheld {
            "objection_upheld"
        } else {
            "objection_dismissed"
        },
        before: None,
        after: Some(json!({"member": member, "objection": objection})),
    })?;
    if input.upheld && record.audit.state == AuditState::Confirmed {
        take_step::<AuditLifecycle>(tx, caller, id, AuditStep::Replan, note.clone())?;
    }
    let headline = if input.upheld {
        format!("objection upheld: {name} leaves the team; the plan will be confirmed again")
    } else {
        format!("objection to {name} dismissed")
    };
    tell_client(tx, &record.audit, &headline, note.as_deref())?;
    view(tx.conn, id)
}

/// A step of the lifecycle: confirm, start, report draft, complete, cancel (with reason).
pub fn transition(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    step: AuditStep,
    note: Option<String>,
) -> AppResult<AuditView> {
    if step == AuditStep::Cancel && note.is_none() {
        return Err(AppError::invalid("note", "say why the audit is cancelled"));
    }
    take_step::<AuditLifecycle>(tx, caller, id, step, note)?;
    view(tx.conn, id)
}

/// The lead auditor, and only while the report may change, or why not.
fn require_lead(caller: &Caller, team: &[(TeamMember, String)]) -> AppResult<()> {
    let is_lead = team
        .iter()
        .any(|(m, _)| m.user_id == caller.user_id && m.role == TeamRole::LeadAuditor);
    if is_lead {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only the audit's lead auditor may do this".into(),
        ))
    }
}

fn merged_outcome(
    kind: AuditKind,
    mut outcome: Outcome,
    input: OutcomeInput,
) -> AppResult<Outcome> {
    let mut checker = Checker::new();
    if kind != AuditKind::Stage1
        && (input.stage1_ready.is_some() || input.areas_of_concern.is_some())
    {
        checker.check::<()>(
            "stage1_ready",
            Err("only stage 1 records readiness and areas of concern".into()),
        );
    }
    let conclusion = checker.check(
        "conclusion",
        optional_text(input.conclusion.as_deref(), 8000),
    );
    let concerns = input.areas_of_concern.map(|areas| {
        areas
            .iter()
            .enumerate()
            .filter_map(|(i, area)| {
                checker.check(&format!("areas_of_concern[{i}]"), required_text(area, 2000))
            })
            .collect::<Vec<_>>()
    });
    let conclusion = checker.finish(conclusion)?;
    if let Some(ready) = input.stage1_ready {
        outcome.stage1_ready = Some(ready);
    }
    if let Some(concerns) = concerns {
        outcome.areas_of_concern = concerns;
    }
    if conclusion.is_some() {
        outcome.conclusion = conclusion;
    }
    if input.recommendation.is_some() {
        outcome.recommendation = input.recommendation;
    }
    Ok(outcome)
}

/// The lead auditor records the conclusion (and at stage 1 readiness and areas of
/// concern) while the audit is in progress or in report draft.
pub fn record_outcome(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    input: OutcomeInput,
) -> AppResult<AuditView> {
    caller.require_role(&[Role::Auditor])?;
    let record = find_visible::<AuditLifecycle>(tx.conn, caller, id)?;
    require_lead(caller, &store::team(tx.conn, id)?)?;
    match record.audit.state {
        AuditState::InProgress | AuditState::ReportDraft => {}
        AuditState::Completed => {
            return Err(AppError::Conflict(
                "the report is frozen: change it with a new revision (POST …/report/revisions)"
                    .into(),
            ))
        }
        other => {
            return Err(AppError::Conflict(format!(
                "the outcome is recorded during the audit, not while it is {}",
                other.label()
            )))
        }
    }
    let outcome = merged_outcome(record.audit.kind, record.audit.outcome(), input)?;
    store::set_outcome(tx.conn, id, &outcome, tx.now())?;
    tx.record(Change {
        entity_type: AuditLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(record.audit.organisation_id.as_str()),
        action: "outcome_recorded",
        before: Some(json!(record.audit.outcome())),
        after: Some(json!(outcome)),
    })?;
    view(tx.conn, id)
}

/// A team member (not an observer) files a finding while the audit is in progress or in
/// report draft.
pub fn file_finding(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    input: FindingInput,
) -> AppResult<FindingView> {
    caller.require_role(&[Role::Auditor])?;
    let record = find_visible::<AuditLifecycle>(tx.conn, caller, id)?;
    let team = store::team(tx.conn, id)?;
    if !team
        .iter()
        .any(|(m, _)| m.user_id == caller.user_id && m.role != TeamRole::Observer)
    {
        return Err(AppError::Forbidden("observers do not file findings".into()));
    }
    let audit = record.audit;
    if !matches!(
        audit.state,
        AuditState::InProgress | AuditState::ReportDraft
    ) {
        return Err(AppError::Conflict(format!(
            "findings are filed while the audit is in progress or in report draft; it is {}",
            audit.state.label()
        )));
    }
    nonconformities::service::file(
        tx,
        caller,
        nonconformities::service::AuditFacts {
            id: &audit.id,
            organisation_id: &audit.organisation_id,
            standard_id: &audit.standard_id,
            ends_on: audit.ends_on,
        },
        input,
    )
}

/// The findings of an audit the caller may read.
pub fn findings(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &AuditId,
) -> AppResult<Vec<FindingView>> {
    find_readable(conn, caller, id)?;
    Ok(nonconformities::store::of_audit(conn, id)?
        .into_iter()
        .map(FindingView::from)
        .collect())
}

/// The report as it stands: the latest frozen revision once completed, else built live.
/// The client reads it only once the audit is completed.
pub fn report(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &AuditId,
) -> AppResult<(ReportView, String)> {
    let record = find_readable(conn, caller, id)?;
    let revisions = store::reports(conn, id)?;
    match revisions.last() {
        Some(latest) => Ok((
            ReportView {
                revision: Some(latest.revision),
                reason: latest.reason.clone(),
                frozen_at: Some(latest.frozen_at.and_utc()),
                revisions: revisions.iter().map(|r| r.revision).collect(),
                content: serde_json::from_value(latest.content.0.clone())
                    .map_err(AppError::internal)?,
            },
            latest.html.clone(),
        )),
        None if caller.role == Role::Applicant => Err(AppError::NotFound(
            "the report is available once the audit is completed".into(),
        )),
        None => {
            let content = report::content(conn, &record.audit)?;
            let html = report::render(&content, None)?;
            Ok((
                ReportView {
                    revision: None,
                    reason: None,
                    frozen_at: None,
                    revisions: Vec::new(),
                    content,
                },
                html,
            ))
        }
    }
}

/// Freezes the report as its next revision.
fn freeze(
    tx: &mut Tx<'_>,
    caller: &Caller,
    audit: &Audit,
    reason: Option<String>,
) -> AppResult<i64> {
    let revision = store::reports(tx.conn, &audit.id)?
        .last()
        .map_or(1, |r| r.revision + 1);
    let content = report::content(tx.conn, audit)?;
    let html = report::render(&content, Some(revision))?;
    store::insert_report(
        tx.conn,
        &FrozenReport {
            audit_id: audit.id.clone(),
            revision,
            content: Json(serde_json::to_value(&content).map_err(AppError::internal)?),
            html,
            reason,
            frozen_by: caller.user_id.clone(),
            frozen_at: tx.now(),
        },
    )?;
    Ok(revision)
}

/// A change to a completed audit's outcome: a new revision with its reason; the earlier
/// ones stay (the lead auditor or an admin).
pub fn revise_report(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    input: RevisionInput,
) -> AppResult<ReportView> {
    caller.require_role(&[Role::Auditor, Role::Admin])?;
    let record = find_visible::<AuditLifecycle>(tx.conn, caller, id)?;
    if caller.role == Role::Auditor {
        require_lead(caller, &store::team(tx.conn, id)?)?;
    }
    if record.audit.state != AuditState::Completed {
        return Err(AppError::Conflict(
            "only a completed audit's report is revised; until then record the outcome".into(),
        ));
    }
    let reason = required_text(&input.reason, 2000)
        .map_err(|message| AppError::invalid("reason", message))?;
    let outcome = merged_outcome(record.audit.kind, record.audit.outcome(), input.outcome)?;
    store::set_outcome(tx.conn, id, &outcome, tx.now())?;
    let audit = Audit {
        outcome: Some(Json(outcome)),
        ..record.audit
    };
    let revision = freeze(tx, caller, &audit, Some(reason.clone()))?;
    tx.record(Change {
        entity_type: AuditLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(audit.organisation_id.as_str()),
        action: "report_revised",
        before: Some(json!({"revision": revision - 1})),
        after: Some(json!({"revision": revision, "reason": reason})),
    })?;
    tell_client(
        tx,
        &audit,
        &format!("report revised (revision {revision})"),
        Some(&reason),
    )?;
    Ok(report(tx.conn, caller, id)?.0)
}

/// Mails the client's users about their audit.
fn tell_client(
    tx: &mut Tx<'_>,
    audit: &Audit,
    headline: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let users = accounts::active_users_of_organisation(tx.conn, &audit.organisation_id)?;
    mail(tx, audit, &users, headline, note)
}

fn mail(
    tx: &mut Tx<'_>,
    audit: &Audit,
    recipients: &[accounts::User],
    headline: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let organisation = accounts::find_organisation(tx.conn, audit.organisation_id.as_str())?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    let standard = standards::store::get(tx.conn, &audit.standard_id)?;
    let team: Vec<String> = store::team(tx.conn, &audit.id)?
        .into_iter()
        .map(|(member, name)| format!("{name} ({})", member.role.label()))
        .collect();
    for user in recipients {
        tx.mail(
            &user.email,
            "audit_notice",
            json!({
                "recipient_name": user.full_name,
                "organisation_name": organisation.legal_name,
                "standard": standard.designation(),
                "kind": audit.kind.label(),
                "starts_on": audit.starts_on,
                "ends_on": audit.ends_on,
                "mode": audit.mode.label(),
                "headline": headline,
                "note": note.unwrap_or(""),
                "team": team,
                "audit_id": audit.id,
            }),
        )?;
    }
    Ok(())
}

/// The client uploads documented information for its stage 1 audit (17021-1 9.3.1.2)
/// until the audit is completed.
pub fn upload_document(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    upload: Upload,
) -> AppResult<DocumentView> {
    caller.require_role(&[Role::Applicant])?;
    let audit = find_visible::<AuditLifecycle>(tx.conn, caller, id)?.audit;
    if audit.kind != AuditKind::Stage1 {
        return Err(AppError::Conflict(
            "documented information is uploaded for stage 1; evidence of corrective actions goes to the nonconformity".into(),
        ));
    }
    if matches!(audit.state, AuditState::Completed | AuditState::Cancelled) {
        return Err(AppError::Conflict(format!(
            "the audit is {}",
            audit.state.label()
        )));
    }
    documents::attach(
        tx,
        caller,
        Owner {
            organisation_id: &audit.organisation_id,
            audit_id: Some(id),
            finding_id: None,
            purpose: Purpose::Stage1Documentation,
        },
        upload,
    )
}

/// The documents of an audit the caller may read.
pub fn documents(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &AuditId,
) -> AppResult<Vec<DocumentView>> {
    find_readable(conn, caller, id)?;
    documents::list(conn, Some(id), None)
}

/// One document of an audit the caller may read, with its bytes.
pub fn document(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &AuditId,
    document: &DocumentId,
) -> AppResult<(DocumentInfo, Vec<u8>)> {
    find_readable(conn, caller, id)?;
    documents::download(conn, document, Some(id), None)
}

/// Stage 2 may start only after a completed stage 1 concluded "ready" (17021-1 9.3.1.2).
fn stage1_ready(conn: &mut DbConnection, programme: &ProgrammeId) -> AppResult<bool> {
    Ok(store::of_programme(conn, programme)?.iter().any(|audit| {
        audit.kind == AuditKind::Stage1
            && audit.state == AuditState::Completed
            && audit.outcome().stage1_ready == Some(true)
    }))
}

/// Audits as the transition kernel sees them.
pub struct AuditLifecycle;

impl Lifecycle for AuditLifecycle {
    const ENTITY: &'static str = "audit";
    type Id = AuditId;
    type Record = AuditRecord;
    type State = AuditState;
    type Step = AuditStep;

    fn load(conn: &mut DbConnection, id: &AuditId) -> AppResult<Option<AuditRecord>> {
        let Some(audit) = store::find(conn, id)? else {
            return Ok(None);
        };
        let team = store::team(conn, id)?
            .into_iter()
            .map(|(member, _)| member.user_id)
            .collect();
        Ok(Some(AuditRecord { audit, team }))
    }

    fn scope(record: &AuditRecord) -> ObjectScope<'_> {
        ObjectScope {
            organisation_id: Some(&record.audit.organisation_id),
            staff: StaffAccess::Assigned(&record.team),
        }
    }

    fn state(record: &AuditRecord) -> AuditState {
        record.audit.state
    }

    fn next(from: AuditState, step: AuditStep) -> Result<AuditState, String> {
        next_audit_state(from, step)
    }

    fn roles(step: AuditStep) -> &'static [Role] {
        match step {
            AuditStep::Confirm | AuditStep::Replan | AuditStep::Cancel => &[Role::Admin],
            AuditStep::Start | AuditStep::DraftReport | AuditStep::Complete => &[Role::Auditor],
        }
    }

    fn action(step: AuditStep) -> &'static str {
        match step {
            AuditStep::Confirm => "confirmed",
            AuditStep::Replan => "replanned",
            AuditStep::Start => "started",
            AuditStep::DraftReport => "report_drafted",
            AuditStep::Complete => "completed",
            AuditStep::Cancel => "cancelled",
        }
    }

    fn store_state(
        conn: &mut DbConnection,
        id: &AuditId,
        from: AuditState,
        to: AuditState,
        note: Option<&str>,
        (_, at): (&Caller, NaiveDateTime),
    ) -> AppResult<bool> {
        store::set_state(conn, id, from, to, note, at)
    }

    fn before_step(
        tx: &mut Tx<'_>,
        caller: &Caller,
        record: &AuditRecord,
        step: AuditStep,
    ) -> AppResult<()> {
        let audit = &record.audit;
        let team = store::team(tx.conn, &audit.id)?;
        let pending_objection = team.iter().any(|(m, _)| {
            m.objection
                .as_ref()
                .is_some_and(|o| o.0.status == ObjectionStatus::Pending)
        });
        match step {
            AuditStep::Confirm | AuditStep::Start if pending_objection => Err(AppError::Conflict(
                "an objection to a team member is pending: decide it first".into(),
            )),
            AuditStep::Confirm => {
                if !team.iter().any(|(m, _)| m.role == TeamRole::LeadAuditor) {
                    return Err(AppError::Conflict(
                        "the team has no lead auditor: replace the team first".into(),
                    ));
                }
                let members: Vec<TeamMember> = team.into_iter().map(|(m, _)| m).collect();
                check_coverage(&audit.plan.0.sector_codes, &members)
                    .map_err(|_| AppError::Conflict("the team no longer covers every sector code in scope: replace the team first".into()))
            }
            AuditStep::Start
                if audit.kind == AuditKind::Stage2 && !stage1_ready(tx.conn, &audit.programme_id)? =>
            {
                Err(AppError::Conflict(
                    "stage 2 cannot start before stage 1 concluded the client is ready (ISO/IEC 17021-1 9.3.1.2)".into(),
                ))
            }
            AuditStep::Complete => {
                require_lead(caller, &team)?;
                let gaps = completion_gaps(audit.kind, &audit.outcome());
                if !gaps.is_empty() {
                    return Err(AppError::Conflict(format!(
                        "the report still lacks {}",
                        gaps.join(" and ")
                    )));
                }
                freeze(tx, caller, audit, None).map(|_| ())
            }
            _ => Ok(()),
        }
    }

    fn notify(
        tx: &mut Tx<'_>,
        record: &AuditRecord,
        step: AuditStep,
        _to: AuditState,
        note: Option<&str>,
    ) -> AppResult<()> {
        let headline = match step {
            AuditStep::Confirm => "confirmed with this plan and team",
            AuditStep::Complete => "completed: the report is available",
            AuditStep::Cancel => "cancelled",
            AuditStep::Replan | AuditStep::Start | AuditStep::DraftReport => return Ok(()),
        };
        tell_client(tx, &record.audit, headline, note)
    }
}
