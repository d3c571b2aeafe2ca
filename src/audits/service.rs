//! Use cases of audits: plan from the agreed programme (or a special audit), the team and
//! the client's objections, the lifecycle through the transition kernel, the outcome, the
//! report and its revisions, and filing findings.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::json;

use super::domain::*;
use super::dto::*;
use super::report;
use super::store::{self, Audit, FrozenReport, TeamMember};
use super::AuditId;
use crate::accounts::store as accounts;
use crate::accounts::UserId;
use crate::applications::{self, SiteId};
use crate::auditors::domain::{uncovered_sectors, TeamRole};
use crate::auditors::service::{check_member, Assignment};
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
use crate::standards;
use crate::trail::Change;
use crate::validate::{optional_text, required_text, Checker};
use crate::workflow::transition::{find_readable, find_visible, take_step, Lifecycle};
use crate::workflow::Tx;

/// An audit with the ids of its team, as the object-access check needs them.
pub struct AuditRecord {
    pub audit: Audit,
    pub team: Vec<UserId>,
}

fn view(conn: &mut DbConnection, caller: &Caller, id: &AuditId) -> AppResult<AuditView> {
    let audit =
        store::find(conn, id)?.ok_or_else(|| AppError::NotFound("no audit has this id".into()))?;
    Ok(views(conn, caller, vec![audit])?.remove(0))
}

/// The views of several audits, their teams and carried nonconformities loaded in one
/// query each. The client sees the team's conclusion only once the audit is completed.
fn views(
    conn: &mut DbConnection,
    caller: &Caller,
    audits: Vec<Audit>,
) -> AppResult<Vec<AuditView>> {
    let ids: Vec<AuditId> = audits.iter().map(|a| a.id.clone()).collect();
    let programmes: Vec<ProgrammeId> = audits.iter().map(|a| a.programme_id.clone()).collect();
    let mut teams: HashMap<AuditId, Vec<TeamMemberView>> = HashMap::new();
    for member in store::teams(conn, &ids)? {
        teams
            .entry(member.0.audit_id.clone())
            .or_default()
            .push(TeamMemberView::new(member));
    }
    let pending = nonconformities::store::pending_in_programmes(conn, &programmes)?;
    Ok(audits
        .into_iter()
        .map(|mut audit| {
            // Open nonconformities of the programme's earlier audits: this one follows them up.
            let carried = pending
                .iter()
                .filter(|(_, programme, started)| {
                    *programme == audit.programme_id && *started < audit.starts_on
                })
                .map(|(finding, _, _)| finding.id.clone())
                .collect();
            if caller.role == Role::Applicant && audit.state != AuditState::Completed {
                audit.outcome = None;
            }
            let team = teams.remove(&audit.id).unwrap_or_default();
            AuditView::new(audit, team, carried)
        })
        .collect())
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: &AuditId) -> AppResult<AuditView> {
    find_readable::<AuditLifecycle>(conn, caller, id)?;
    view(conn, caller, id)
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
        organisation_id: caller.organisation_filter(None)?,
        team_member: (caller.role == Role::Auditor).then(|| caller.user_id.clone()),
        programme_id: query.programme_id,
        state: query.state,
    };
    let (rows, total) = store::list(conn, &filter, page)?;
    Ok(Page::new(views(conn, caller, rows)?, total, page, |view| {
        view
    }))
}

/// The facts a team is checked against.
struct TeamContext<'a> {
    audit: Assignment<'a>,
    sector_codes: &'a [u8],
    /// People the client objected to successfully: they do not come back.
    excluded: &'a [UserId],
}

impl<'a> TeamContext<'a> {
    fn of(audit: &'a Audit) -> TeamContext<'a> {
        TeamContext {
            audit: Assignment {
                standard_id: &audit.standard_id,
                organisation_id: &audit.organisation_id,
                dates: (audit.starts_on, audit.ends_on),
            },
            sector_codes: &audit.plan.0.sector_codes,
            excluded: &audit.plan.0.excluded_member_ids,
        }
    }
}

/// Checks a whole team: each member qualified and free of conflicts on the audit's
/// dates, one lead auditor, nobody twice, nobody the client's objection removed, every
/// sector code in scope covered. Members of the `current` team keep their objections.
fn checked_team(
    conn: &mut DbConnection,
    audit_id: &AuditId,
    input: &[TeamMemberInput],
    context: &TeamContext<'_>,
    (current, at): (&[TeamMember], NaiveDateTime),
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
        if context.excluded.contains(&member.user_id) {
            return Err(AppError::invalid(
                field,
                "the client's objection to this person was upheld",
            ));
        }
        let codes = check_member(conn, &field, (&member.user_id, member.role), &context.audit)?;
        let objection = current
            .iter()
            .find(|m| m.user_id == member.user_id)
            .and_then(|m| m.objection.clone());
        team.push(TeamMember {
            audit_id: audit_id.clone(),
            user_id: member.user_id.clone(),
            role: member.role,
            sector_codes: Json(codes),
            objection,
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
    if let Some(entry) = entry.as_ref().filter(|e| e.cycle != programme.cycle) {
        return Err(AppError::Conflict(format!(
            "this {} belongs to cycle {} of the programme, which is in cycle {} now",
            entry.kind.label(),
            entry.cycle,
            programme.cycle
        )));
    }
    if let Some(planned) = match &entry {
        Some(entry) => store::live_for_entry(tx.conn, &entry.id)?,
        None => None,
    } {
        return Err(AppError::Conflict(format!(
            "this programme audit is already planned as audit {planned}; cancel that one to plan it again"
        )));
    }
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
        Some(entry) => {
            if !input.site_ids.is_empty() {
                checker.check::<()>(
                    "site_ids",
                    Err("a programme audit visits the sample the programme drew for it".into()),
                );
            }
            (
                entry.sample.0.site_ids.clone(),
                entry.sample.0.random_site_ids.clone(),
            )
        }
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
    // A programme audit takes the days the review computed (IAF MD 5); a special audit
    // states its own.
    let days = checker.check(
        "days",
        match (&entry, input.days) {
            (Some(_), Some(_)) => Err(
                "a programme audit takes the programme's audit time; change it through the application review".into(),
            ),
            (Some(entry), None) => Ok(entry.planned_days),
            (None, None) => Err("state the days of a special audit".into()),
            (None, Some(days)) if (0.5..=1000.0).contains(&days) => Ok(days),
            (None, Some(_)) => Err("must be between 0.5 and 1000".into()),
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
    let at = tx.now();
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
            sector_codes: application.sector_codes.0.clone(),
            excluded_member_ids: Vec::new(),
            special_reason,
        }),
        outcome: None,
        state_note: None,
        updated_at: at,
    };
    let team = checked_team(
        tx.conn,
        &id,
        &input.team,
        &TeamContext::of(&audit),
        (&[], at),
    )?;
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
    view(tx.conn, caller, &id)
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
    let current: Vec<TeamMember> = store::team(tx.conn, id)?
        .into_iter()
        .map(|(member, _)| member)
        .collect();
    if current.iter().any(TeamMember::has_pending_objection) {
        return Err(AppError::Conflict(
            "an objection to a team member is pending: decide it first".into(),
        ));
    }
    let team = checked_team(
        tx.conn,
        id,
        &input.team,
        &TeamContext::of(&audit),
        (&current, tx.now()),
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
    view(tx.conn, caller, id)
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
    view(tx.conn, caller, id)
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
    if !matches!(
        record.audit.state,
        AuditState::Planned | AuditState::Confirmed
    ) {
        return Err(AppError::Conflict(format!(
            "the audit is {}: its team is final",
            record.audit.state.label()
        )));
    }
    let note = crate::validate::optional_prose(input.note.as_deref(), 2000)
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
        let mut plan = record.audit.plan.0.clone();
        plan.excluded_member_ids.push(member.clone());
        store::set_plan(tx.conn, id, &plan)?;
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
    view(tx.conn, caller, id)
}

/// A step of the lifecycle: confirm, start, report draft, complete, cancel (with reason).
pub fn transition(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    step: AuditStep,
    note: Option<String>,
) -> AppResult<AuditView> {
    caller.require_role(AuditLifecycle::roles(step))?;
    if step == AuditStep::Cancel && note.is_none() {
        return Err(AppError::invalid("note", "say why the audit is cancelled"));
    }
    take_step::<AuditLifecycle>(tx, caller, id, step, note)?;
    view(tx.conn, caller, id)
}

/// 403 unless the caller holds one of `places` on the team.
fn require_place(
    caller: &Caller,
    team: &[(TeamMember, String)],
    places: &[TeamRole],
) -> AppResult<()> {
    let holds = team
        .iter()
        .any(|(m, _)| m.user_id == caller.user_id && places.contains(&m.role));
    if holds {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "only the audit's {} may do this",
            places
                .iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }
}

fn require_lead(caller: &Caller, team: &[(TeamMember, String)]) -> AppResult<()> {
    require_place(caller, team, &[TeamRole::LeadAuditor])
}

/// The places that audit: technical experts advise and observers watch (17021-1 7.2, 9.2.2).
const AUDITING: &[TeamRole] = &[TeamRole::LeadAuditor, TeamRole::Auditor];

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
    view(tx.conn, caller, id)
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
    require_place(caller, &store::team(tx.conn, id)?, AUDITING)?;
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
            is_stage2: audit.kind == AuditKind::Stage2,
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
    find_readable::<AuditLifecycle>(conn, caller, id)?;
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
    let record = find_readable::<AuditLifecycle>(conn, caller, id)?;
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
/// ones stay. The report is the team's: only its lead auditor revises it.
pub fn revise_report(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &AuditId,
    input: RevisionInput,
) -> AppResult<ReportView> {
    caller.require_role(&[Role::Auditor])?;
    let record = find_visible::<AuditLifecycle>(tx.conn, caller, id)?;
    require_lead(caller, &store::team(tx.conn, id)?)?;
    if record.audit.state != AuditState::Completed {
        return Err(AppError::Conflict(
            "only a completed audit's report is revised; until then record the outcome".into(),
        ));
    }
    let reason = required_text(&input.reason, 2000)
        .map_err(|message| AppError::invalid("reason", message))?;
    let before = record.audit.outcome();
    let outcome = merged_outcome(record.audit.kind, before.clone(), input.outcome)?;
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
        before: Some(json!({"revision": revision - 1, "outcome": before})),
        after: Some(json!({"revision": revision, "reason": reason, "outcome": audit.outcome()})),
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
    find_readable::<AuditLifecycle>(conn, caller, id)?;
    documents::list(conn, Some(id), None)
}

/// One document of an audit the caller may read, with its bytes.
pub fn document(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &AuditId,
    document: &DocumentId,
) -> AppResult<(DocumentInfo, Vec<u8>)> {
    find_readable::<AuditLifecycle>(conn, caller, id)?;
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
        let pending_objection = team.iter().any(|(m, _)| m.has_pending_objection());
        match step {
            AuditStep::Confirm | AuditStep::Start if pending_objection => Err(AppError::Conflict(
                "an objection to a team member is pending: decide it first".into(),
            )),
            // The whole team again: a qualification may have lapsed, a conflict been
            // declared or a member been removed since the plan.
            AuditStep::Confirm => {
                let members: Vec<TeamMember> = team.into_iter().map(|(m, _)| m).collect();
                let input: Vec<TeamMemberInput> = members
                    .iter()
                    .map(|m| TeamMemberInput {
                        user_id: m.user_id.clone(),
                        role: m.role,
                    })
                    .collect();
                checked_team(
                    tx.conn,
                    &audit.id,
                    &input,
                    &TeamContext::of(audit),
                    (&members, tx.now()),
                )
                .map(|_| ())
                .map_err(|err| match err {
                    AppError::Validation(errors) => AppError::Conflict(format!(
                        "the team cannot be confirmed: {}; replace the team",
                        errors
                            .iter()
                            .map(|e| e.message.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    )),
                    other => other,
                })
            }
            AuditStep::Start => {
                require_place(caller, &team, AUDITING)?;
                if tx.today() < audit.starts_on {
                    return Err(AppError::Conflict(format!(
                        "the audit starts on {}",
                        audit.starts_on
                    )));
                }
                if audit.kind == AuditKind::Stage2 && !stage1_ready(tx.conn, &audit.programme_id)? {
                    return Err(AppError::Conflict(
                        "stage 2 cannot start before stage 1 concluded the client is ready (ISO/IEC 17021-1 9.3.1.2)".into(),
                    ));
                }
                Ok(())
            }
            AuditStep::DraftReport => require_place(caller, &team, AUDITING),
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
            // Findings are evidence the client was told of: such an audit is completed.
            AuditStep::Cancel
                if !nonconformities::store::of_audit(tx.conn, &audit.id)?.is_empty() =>
            {
                Err(AppError::Conflict(
                    "the audit has findings: complete it rather than cancel it".into(),
                ))
            }
            AuditStep::Cancel | AuditStep::Replan => Ok(()),
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
