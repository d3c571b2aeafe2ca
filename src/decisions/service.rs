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
use crate::applications::store::{Application, Site};
use crate::audits;
use crate::audits::domain::{AuditKind, AuditState};
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::certificates;
use crate::certificates::domain::{expiry_from, renewed_expiry, TransferOrigin};
use crate::certificates::service::{check_independent, scoped_sites, Grant, Renewed};
use crate::certificates::store::Certificate;
use crate::certificates::CertificateId;
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::nonconformities::domain::{FindingKind, FindingState};
use crate::programmes;
use crate::programmes::domain::ProgrammeState;
use crate::programmes::store::Programme;
use crate::trail::Change;
use crate::validate::{optional_text, required_prose, Checker};
use crate::workflow::Tx;

const ENTITY: &str = "decision";

/// What a decision on the programme decides now, and the certificate a recertification
/// renews: after a grant, the next decision is on recertification.
fn decision_kind(
    conn: &mut DbConnection,
    programme: &Programme,
) -> AppResult<(DecisionKind, Option<Certificate>)> {
    if let Some(certificate) = certificates::store::of_programme(conn, &programme.id)? {
        return Ok((DecisionKind::Recertification, Some(certificate)));
    }
    let transfer = applications::store::find_review(conn, &programme.application_id)?
        .is_some_and(|review| review.transfer.is_some());
    Ok((
        if transfer {
            DecisionKind::Transfer
        } else {
            DecisionKind::Initial
        },
        None,
    ))
}

/// The facts a grant depends on, as of now.
fn grant_facts(
    conn: &mut DbConnection,
    (programme, application): (&Programme, &Application),
    (kind, certificate): (DecisionKind, Option<&Certificate>),
    today: NaiveDate,
) -> AppResult<GrantFacts> {
    let audits = audits::store::of_programme(conn, &programme.id)?;
    let audit_completed = match kind {
        DecisionKind::Initial => audits
            .iter()
            .any(|a| a.kind == AuditKind::Stage2 && a.state == AuditState::Completed),
        DecisionKind::Recertification => {
            let this_cycle = programmes::store::cycle_entries(conn, programme)?;
            audits.iter().any(|a| {
                a.kind == AuditKind::Recertification
                    && a.state == AuditState::Completed
                    && a.programme_audit_id
                        .as_ref()
                        .is_some_and(|entry| this_cycle.contains(entry))
            })
        }
        DecisionKind::Transfer => true,
    };
    let certificate_blocker = match (kind, certificate) {
        (DecisionKind::Recertification, Some(certificate)) => {
            certificates::service::renewal_now(conn, certificate, today)?.err()
        }
        (DecisionKind::Transfer, _) => {
            let (_, expires_on) = transferred(application)?;
            (expires_on < today).then(|| {
                format!("the certificate to transfer expired on {expires_on}: only a valid certificate is transferred (IAF MD 2)")
            })
        }
        _ => None,
    };
    let findings = crate::nonconformities::store::in_programme(conn, &programme.id, None)?;
    let clauses = |kind: FindingKind, pending: &dyn Fn(FindingState) -> bool| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.kind == kind && pending(f.state))
            .map(|f| f.clause.clone())
            .collect()
    };
    Ok(GrantFacts {
        kind,
        audit_completed,
        certificate_blocker,
        unverified_majors: clauses(FindingKind::Major, &|s| s != FindingState::Verified),
        minors_without_plan: clauses(FindingKind::Minor, &|s| {
            matches!(
                s,
                FindingState::Open | FindingState::Responded | FindingState::Returned
            )
        }),
        new_stage2_required_on: programme
            .new_stage2_required_on
            .filter(|_| kind == DecisionKind::Initial),
        impartiality_blockers: impartiality(&application.consultancy.0, &[], today).blockers,
    })
}

/// Where a transfer comes from and the transferred certificate's expiry.
fn transferred(application: &Application) -> AppResult<(TransferOrigin, NaiveDate)> {
    let held = application
        .current_certification
        .as_ref()
        .map(|held| &held.0)
        .ok_or_else(|| AppError::internal("a transfer without the certification it takes over"))?;
    Ok((
        TransferOrigin {
            certification_body: held.certification_body.clone(),
            certificate_number: held.certificate_number.clone(),
            accreditation_body: held.accreditation_body.clone(),
        },
        held.expires_on,
    ))
}

/// Grants or refuses certification (decision makers). What is decided follows from the
/// programme: the initial certification after stage 2, a transfer after the pre-transfer
/// review, and once certified, recertification after the cycle's recertification audit.
/// A grant needs that audit completed, every major verified and every minor's plan
/// accepted, no 6-month lapse after stage 2, no impartiality blocker, and a certificate
/// that can be renewed or taken over. It issues or renews the certificate and places the
/// cycle in the same transaction. Of two deciders granting at once, one gets 409.
pub fn decide(tx: &mut Tx<'_>, caller: &Caller, input: DecisionInput) -> AppResult<DecisionView> {
    caller.require_role(&[Role::DecisionMaker])?;
    let programme = programmes::store::find(tx.conn, &input.programme_id)?
        .ok_or_else(|| AppError::invalid("programme_id", "no programme has this id"))?;
    check_independent(tx, caller, &programme.id, &programme.organisation_id)?;
    let application = applications::store::find(tx.conn, &programme.application_id)?
        .ok_or_else(|| AppError::internal("a programme without its application"))?;
    let all_sites = applications::store::sites(tx.conn, &application.id)?;
    let mut checker = Checker::new();
    let rationale = checker.check("rationale", required_prose(&input.rationale, 8000));
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
    let (kind, certified) = decision_kind(tx.conn, &programme)?;
    let facts = grant_facts(
        tx.conn,
        (&programme, &application),
        (kind, certified.as_ref()),
        today,
    )?;
    // Once granted, the certificate is suspended, withdrawn or reduced; the next decision
    // is on recertification, once its audit is done.
    if let (DecisionKind::Recertification, false) = (kind, facts.audit_completed) {
        if input.outcome == DecisionOutcome::Refuse {
            return Err(AppError::Conflict(format!(
                "certification was granted on {}; until this cycle's recertification audit is completed, act on its certificate instead",
                programme.decision_date.unwrap_or(today)
            )));
        }
    }
    if input.outcome == DecisionOutcome::Grant {
        if programme.state != ProgrammeState::Agreed {
            return Err(AppError::Conflict(
                "the client has not agreed to the audit programme yet (ISO/IEC 17021-1 5.1.2)"
                    .into(),
            ));
        }
        let blockers = grant_blockers(&facts);
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
        cycle: match kind {
            DecisionKind::Recertification => programme.cycle + 1,
            DecisionKind::Initial | DecisionKind::Transfer => programme.cycle,
        },
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
    let scope = scope.unwrap_or_else(|| application.scope_statement.clone());
    let certificate = match decision.outcome {
        DecisionOutcome::Grant => Some(grant(
            tx,
            (&programme, &application),
            (kind, certified),
            (scope, sites),
        )?),
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
            "certification_type": kind.certification_type(), "cycle": decision.cycle,
            "rationale": decision.rationale, "certificate": certificate.as_ref().map(|c| &c.1)}),
        ),
    })?;
    tell_client(
        tx,
        &decision,
        kind,
        certificate.as_ref().map(|c| c.1.as_str()),
    )?;
    Ok(DecisionView::new(decision, certificate))
}

/// Carries out a grant: places the cycle, then issues or renews the certificate. 409 when
/// another decision was recorded meanwhile.
fn grant(
    tx: &mut Tx<'_>,
    (programme, application): (&Programme, &Application),
    (kind, certified): (DecisionKind, Option<Certificate>),
    (scope, sites): (String, Vec<(Site, String)>),
) -> AppResult<(CertificateId, String)> {
    let today = tx.today();
    let raced = || AppError::Conflict("another decision was recorded meanwhile".into());
    let issue = |tx: &mut Tx<'_>, expires_on, transferred_from| {
        certificates::service::issue(
            tx,
            Grant {
                programme,
                scope: scope.clone(),
                sites: sites.clone(),
                certification_type: kind.certification_type(),
                expires_on,
                transferred_from,
            },
        )
        .map(|certificate| (certificate.id, certificate.number))
    };
    match (kind, certified) {
        (DecisionKind::Recertification, Some(certificate)) => {
            let renewal = certificates::service::renewal_now(tx.conn, &certificate, today)?
                .map_err(AppError::Conflict)?;
            let expires_on = renewed_expiry(certificate.expires_on);
            if !programmes::service::start_next_cycle(tx.conn, programme, today, expires_on)? {
                return Err(raced());
            }
            certificates::service::renew(
                tx,
                &certificate,
                Renewed {
                    renewal,
                    expires_on,
                    scope,
                    sites,
                    certification_type: kind.certification_type(),
                },
            )?;
            Ok((certificate.id, certificate.number))
        }
        (DecisionKind::Transfer, _) => {
            let (origin, expires_on) = transferred(application)?;
            if !programmes::service::record_transfer_decision(
                tx.conn, programme, today, expires_on,
            )? {
                return Err(raced());
            }
            issue(tx, expires_on, Some(origin))
        }
        _ => {
            if !programmes::service::place_after_decision(tx.conn, programme, today)? {
                return Err(raced());
            }
            issue(tx, expiry_from(today), None)
        }
    }
}

fn tell_client(
    tx: &mut Tx<'_>,
    decision: &Decision,
    kind: DecisionKind,
    number: Option<&str>,
) -> AppResult<()> {
    let organisation = accounts::find_organisation(tx.conn, decision.organisation_id.as_str())?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    let what = match kind {
        DecisionKind::Initial => "certification",
        DecisionKind::Transfer => "transfer of certification",
        DecisionKind::Recertification => "recertification",
    };
    let headline = match number {
        Some(number) => format!("{what} granted: certificate {number}"),
        None => format!("{what} refused; you may appeal against this decision"),
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
