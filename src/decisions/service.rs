//! Use cases of certification decisions: grant (issuing the certificate and placing the
//! cycle in the same transaction) or refuse, and read them.

use chrono::NaiveDate;
use serde_json::json;

use super::domain::*;
use super::dto::*;
use super::store::{self, Decision, SiteScope};
use super::DecisionId;
use crate::accounts::store as accounts;
use crate::applications;
use crate::applications::domain::impartiality;
use crate::applications::store::Application;
use crate::audits;
use crate::audits::domain::{AuditKind, AuditState};
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::certificates;
use crate::certificates::service::{check_independent, scoped_sites, Grant};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::nonconformities::domain::{FindingKind, FindingState};
use crate::programmes;
use crate::programmes::store::Programme;
use crate::trail::Change;
use crate::validate::{optional_text, required_text, Checker};
use crate::workflow::Tx;

const ENTITY: &str = "decision";

/// The facts a grant depends on, as of now.
fn grant_facts(
    conn: &mut DbConnection,
    programme: &Programme,
    application: &Application,
    today: NaiveDate,
) -> AppResult<GrantFacts> {
    let stage2_completed = audits::store::of_programme(conn, &programme.id)?
        .iter()
        .any(|a| a.kind == AuditKind::Stage2 && a.state == AuditState::Completed);
    let findings = crate::nonconformities::store::in_programme(conn, &programme.id, None)?;
    let clauses = |kind: FindingKind, pending: &dyn Fn(FindingState) -> bool| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.kind == kind && pending(f.state))
            .map(|f| f.clause.clone())
            .collect()
    };
    Ok(GrantFacts {
        stage2_completed,
        unverified_majors: clauses(FindingKind::Major, &|s| s != FindingState::Verified),
        minors_without_plan: clauses(FindingKind::Minor, &|s| {
            matches!(
                s,
                FindingState::Open | FindingState::Responded | FindingState::Returned
            )
        }),
        new_stage2_required_on: programme.new_stage2_required_on,
        impartiality_blockers: impartiality(&application.consultancy.0, &[], today).blockers,
    })
}

/// Grants or refuses certification (decision makers). A grant needs the completed stage 2
/// report, every major verified and every minor's plan accepted, no 6-month lapse and no
/// impartiality blocker; it places the cycle from today and issues the certificate, all
/// in one transaction. Of two deciders granting at once, one gets 409.
pub fn decide(tx: &mut Tx<'_>, caller: &Caller, input: DecisionInput) -> AppResult<DecisionView> {
    caller.require_role(&[Role::DecisionMaker])?;
    let programme = programmes::store::find(tx.conn, &input.programme_id)?
        .ok_or_else(|| AppError::invalid("programme_id", "no programme has this id"))?;
    check_independent(tx, caller, &programme.id, &programme.organisation_id)?;
    let application = applications::store::find(tx.conn, &programme.application_id)?
        .ok_or_else(|| AppError::internal("a programme without its application"))?;
    let all_sites = applications::store::sites(tx.conn, &application.id)?;
    let mut checker = Checker::new();
    let rationale = checker.check("rationale", required_text(&input.rationale, 8000));
    let scope = checker.check("scope", optional_text(input.scope.as_deref(), 4000));
    let sites = checker.check(
        "sites",
        match &input.sites {
            Some(sites) => scoped_sites(sites, &all_sites),
            None => Ok(all_sites
                .iter()
                .map(|site| {
                    let scope = site
                        .scope
                        .clone()
                        .unwrap_or_else(|| application.scope_statement.clone());
                    (site.clone(), scope)
                })
                .collect()),
        },
    );
    let (rationale, scope, sites) = checker.finish((rationale, scope, sites))?;
    let today = tx.today();
    // After a grant the certificate is suspended, withdrawn or reduced, never "refused".
    if let Some(on) = programme.decision_date {
        return Err(AppError::Conflict(format!(
            "certification was granted on {on}; act on its certificate instead"
        )));
    }
    if input.outcome == DecisionOutcome::Grant {
        let blockers = grant_blockers(&grant_facts(tx.conn, &programme, &application, today)?);
        if !blockers.is_empty() {
            return Err(AppError::Conflict(format!(
                "certification cannot be granted: {}",
                blockers.join("; ")
            )));
        }
    }
    let decision = Decision {
        id: DecisionId::generate(),
        programme_id: programme.id.clone(),
        organisation_id: programme.organisation_id.clone(),
        cycle: programme.cycle,
        outcome: input.outcome,
        rationale,
        site_scopes: Json(
            sites
                .iter()
                .map(|(site, scope)| SiteScope {
                    site_id: site.id.clone(),
                    name: site.name.clone(),
                    scope: scope.clone(),
                })
                .collect(),
        ),
        decided_by: caller.user_id.clone(),
        decided_on: today,
        decided_at: tx.now(),
    };
    store::insert(tx.conn, &decision)?;
    let certificate = match decision.outcome {
        DecisionOutcome::Grant => {
            if !programmes::service::place_after_decision(tx.conn, &programme, today)? {
                return Err(AppError::Conflict(
                    "another decision was recorded meanwhile".into(),
                ));
            }
            let certificate = certificates::service::issue(
                tx,
                Grant {
                    programme: &programme,
                    scope: scope.unwrap_or_else(|| application.scope_statement.clone()),
                    sites,
                    certification_type: "initial certification",
                },
            )?;
            Some((certificate.id, certificate.number))
        }
        DecisionOutcome::Refuse => None,
    };
    tx.record(Change {
        entity_type: ENTITY,
        entity_id: decision.id.as_str(),
        organisation_id: Some(decision.organisation_id.as_str()),
        action: if decision.outcome == DecisionOutcome::Grant {
            "granted"
        } else {
            "refused"
        },
        before: None,
        after: Some(
            json!({"programme_id": decision.programme_id, "outcome": decision.outcome,
            "rationale": decision.rationale, "certificate": certificate.as_ref().map(|c| &c.1)}),
        ),
    })?;
    tell_client(tx, &decision, certificate.as_ref().map(|c| c.1.as_str()))?;
    Ok(DecisionView::new(decision, certificate))
}

fn tell_client(tx: &mut Tx<'_>, decision: &Decision, number: Option<&str>) -> AppResult<()> {
    let organisation = accounts::find_organisation(tx.conn, decision.organisation_id.as_str())?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    let headline = match number {
        Some(number) => format!("certification granted: certificate {number}"),
        None => "certification refused; you may appeal against this decision".to_owned(),
    };
    for user in accounts::active_users_of_organisation(tx.conn, &decision.organisation_id)? {
        tx.mail(
            &user.email,
            "decision_notice",
            json!({
                "recipient_name": user.full_name,
                "organisation_name": organisation.legal_name,
                "headline": headline,
                "rationale": decision.rationale,
                "decision_id": decision.id,
            }),
        )?;
    }
    Ok(())
}

/// The decisions on a programme, oldest first: its client, and staff.
pub fn of_programme(
    conn: &mut DbConnection,
    caller: &Caller,
    programme_id: &crate::programmes::ProgrammeId,
) -> AppResult<Vec<DecisionView>> {
    let programme = programmes::store::find(conn, programme_id)?
        .ok_or_else(|| AppError::NotFound("no programme has this id".into()))?;
    caller.ensure_may_access(ObjectScope {
        organisation_id: Some(&programme.organisation_id),
        staff: StaffAccess::AnyStaff,
    })?;
    let certificate =
        certificates::store::of_programme(conn, programme_id)?.map(|c| (c.id, c.number));
    Ok(store::of_programme(conn, programme_id)?
        .into_iter()
        .map(|decision| {
            let issued = (decision.outcome == DecisionOutcome::Grant)
                .then(|| certificate.clone())
                .flatten();
            DecisionView::new(decision, issued)
        })
        .collect())
}

/// One decision: its client, and staff.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: &DecisionId) -> AppResult<DecisionView> {
    let decision = store::find(conn, id)?
        .ok_or_else(|| AppError::NotFound("no decision has this id".into()))?;
    caller.ensure_may_access(ObjectScope {
        organisation_id: Some(&decision.organisation_id),
        staff: StaffAccess::AnyStaff,
    })?;
    let certificate = match decision.outcome {
        DecisionOutcome::Grant => certificates::store::of_programme(conn, &decision.programme_id)?
            .map(|c| (c.id, c.number)),
        DecisionOutcome::Refuse => None,
    };
    Ok(DecisionView::new(decision, certificate))
}
