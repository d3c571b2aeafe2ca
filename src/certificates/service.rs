//! Use cases of certificates: issue on a grant (in the decision's transaction), read,
//! suspend, reinstate, withdraw, reduce the scope as a new revision, and expire.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::domain::*;
use super::dto::*;
use super::store::{self, Certificate, Revision, StatusEvent};
use super::CertificateId;
use crate::accounts::store as accounts;
use crate::accounts::OrganisationId;
use crate::applications::store::Site;
use crate::audits;
use crate::audits::domain::{AuditKind, AuditState};
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::credentials::domain::RelatedDocument;
use crate::db::types::Json;
use crate::db::{new_id, DbConnection};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageRequest};
use crate::programmes;
use crate::programmes::domain::ProgrammeAuditKind;
use crate::programmes::store::Programme;
use crate::programmes::ProgrammeAuditId;
use crate::scheduler::first_notice;
use crate::standards;
use crate::trail::Change;
use crate::validate::{required_text, Checker};
use crate::verification::service::publish;
use crate::workflow::impartiality;
use crate::workflow::transition::{find_visible, take_step, Lifecycle};
use crate::workflow::Tx;

/// Who decides on a client's certification — grant, suspension, reinstatement,
/// withdrawal, scope — may not have been on its audit teams in the current cycle, nor have
/// a conflict with it or have given it consultancy (17021-1 9.5.1.2, 5.2): a 403 naming
/// why. The cycle's audits are its planned ones and the special audits since the decision
/// that started it; an auditor of an earlier cycle may decide.
pub fn check_independent(
    tx: &mut Tx<'_>,
    caller: &Caller,
    programme: &crate::programmes::ProgrammeId,
    client: &crate::accounts::OrganisationId,
) -> AppResult<()> {
    let programme = programmes::store::find(tx.conn, programme)?
        .ok_or_else(|| AppError::internal("programme vanished"))?;
    if impartiality::on_cycle_team(tx.conn, &caller.user_id, &programme)? {
        return Err(AppError::Forbidden(
            "you were on an audit team of this client in this cycle: another decision maker decides (ISO/IEC 17021-1 9.5.1.2)".into(),
        ));
    }
    let user = accounts::find_user(tx.conn, &caller.user_id)?
        .ok_or_else(|| AppError::internal("the caller vanished"))?;
    let today = tx.today();
    if let Some(conflict) =
        crate::auditors::service::conflict_with(tx.conn, &user, client, (today, today))?
    {
        return Err(AppError::Forbidden(conflict));
    }
    Ok(())
}

/// What a grant certifies: the scope, and each certified site with its own scope, until
/// `expires_on`.
pub struct Grant<'a> {
    pub programme: &'a Programme,
    pub scope: String,
    pub sites: Vec<(Site, String)>,
    pub certification_type: &'a str,
    pub expires_on: NaiveDate,
    pub transferred_from: Option<TransferOrigin>,
}

fn certified_sites(sites: Vec<(Site, String)>) -> Vec<CertifiedSite> {
    sites
        .into_iter()
        .map(|(site, scope)| CertifiedSite {
            name: site.name,
            street: site.street,
            city: site.city,
            postcode: site.postcode,
            country: site.country,
            scope,
        })
        .collect()
}

/// The holder and the CB as a revision issued now names them: their current details.
fn parties(tx: &mut Tx<'_>, organisation: &OrganisationId) -> AppResult<(Holder, Issuer)> {
    let organisation = accounts::find_organisation(tx.conn, organisation.as_str())?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    let cb = &tx.rules.cb;
    Ok((
        Holder {
            legal_name: organisation.legal_name,
            trading_name: organisation.trading_name,
            client_id: organisation.client_id,
            street: organisation.street,
            city: organisation.city,
            postcode: organisation.postcode,
            country: organisation.country,
        },
        Issuer {
            name: cb.name.clone(),
            address: cb.address.clone(),
            register_id: cb.register_id.clone(),
            accreditation_body: cb.accreditation_body.clone(),
        },
    ))
}

/// Issues the certificate of a grant, revision 1.
pub fn issue(tx: &mut Tx<'_>, grant: Grant<'_>) -> AppResult<Certificate> {
    let programme = grant.programme;
    let decided_on = tx.today();
    let standard = standards::store::get(tx.conn, &programme.standard_id)?;
    let number = loop {
        let candidate = new_number(&tx.rules.cb.certificate_prefix, &mut rand::rng());
        if !store::number_taken(tx.conn, &candidate)? {
            break candidate;
        }
    };
    let expires_on = grant.expires_on;
    let (holder, certification_body) = parties(tx, &programme.organisation_id)?;
    let content = CertifiedContent {
        holder,
        standard: standard.designation(),
        scope: grant.scope,
        sites: certified_sites(grant.sites),
        original_grant_on: decided_on,
        issued_on: decided_on,
        expires_on,
        revision: 1,
        certification_type: grant.certification_type.to_owned(),
        certification_body,
        transferred_from: grant.transferred_from,
    };
    let at = tx.now();
    let certificate = Certificate {
        id: CertificateId::generate(),
        number,
        organisation_id: programme.organisation_id.clone(),
        programme_id: programme.id.clone(),
        standard_id: programme.standard_id.clone(),
        status: CertificateStatus::Active,
        original_grant_on: decided_on,
        issued_on: decided_on,
        expires_on,
        revision: 1,
        restore_by: None,
        status_reason: None,
        updated_at: at,
        status_index: store::free_status_index(
            tx.conn,
            crate::credentials::domain::STATUS_LIST_BITS as i64,
        )?,
    };
    store::insert(tx.conn, &certificate)?;
    insert_revision(
        tx,
        &certificate.number,
        &Revision {
            certificate_id: certificate.id.clone(),
            revision: 1,
            issued_on: decided_on,
            content: Json(content),
            reason: None,
            superseded_on: None,
        },
    )?;
    record_event(
        tx.conn,
        &certificate.id,
        (None, CertificateStatus::Active),
        None,
        (decided_on, at),
    )?;
    tx.record(Change {
        entity_type: CertificateLifecycle::ENTITY,
        entity_id: certificate.id.as_str(),
        organisation_id: Some(certificate.organisation_id.as_str()),
        action: "issued",
        before: None,
        after: Some(json!({"number": certificate.number, "expires_on": expires_on, "revision": 1})),
    })?;
    publish(tx, &certificate.id)?;
    Ok(certificate)
}

/// What a recertification grant renews the certificate with (17021-1 9.6.3.2).
pub struct Renewed {
    pub renewal: Renewal,
    /// The prior expiry plus three years (`renewed_expiry`).
    pub expires_on: NaiveDate,
    pub scope: String,
    pub sites: Vec<(Site, String)>,
    pub certification_type: &'static str,
}

/// Renews the certificate on a recertification grant: a new revision issued today with
/// the decided scope and sites and the holder's current details; an expired certificate
/// is restored to active. The decision's notice tells the client.
pub fn renew(tx: &mut Tx<'_>, certificate: &Certificate, renewed: Renewed) -> AppResult<()> {
    let today = tx.today();
    let at = tx.now();
    let id = &certificate.id;
    let current = view(tx.conn, id)?.content;
    let (holder, certification_body) = parties(tx, &certificate.organisation_id)?;
    let revision = certificate.revision + 1;
    let expires_on = renewed.expires_on;
    let content = CertifiedContent {
        holder,
        scope: renewed.scope,
        sites: certified_sites(renewed.sites),
        issued_on: today,
        expires_on,
        revision,
        certification_type: renewed.certification_type.to_owned(),
        certification_body,
        ..current
    };
    supersede_with(tx, certificate, content, renewed.certification_type)?;
    store::renew(tx.conn, id, (revision, today, expires_on), at)?;
    // Restored while still marked active (the expiry job had not run): no status change.
    if certificate.status != CertificateStatus::Active {
        record_event(
            tx.conn,
            id,
            (Some(certificate.status), CertificateStatus::Active),
            Some("restored by recertification within 6 months of expiry (ISO/IEC 17021-1 9.6.3.2)"),
            (today, at),
        )?;
    }
    let action = match renewed.renewal {
        Renewal::Continued => "renewed",
        Renewal::Restored => "restored",
    };
    tx.record(Change {
        entity_type: CertificateLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(certificate.organisation_id.as_str()),
        action,
        before: Some(
            json!({"revision": certificate.revision, "status": certificate.status,
            "expires_on": certificate.expires_on}),
        ),
        after: Some(
            json!({"revision": revision, "status": CertificateStatus::Active,
            "expires_on": expires_on}),
        ),
    })?;
    publish(tx, id)
}

/// Whether a recertification decided on `today` renews the certificate, and how.
pub fn renewal_now(
    conn: &mut DbConnection,
    certificate: &Certificate,
    today: NaiveDate,
) -> AppResult<Result<Renewal, String>> {
    let suspended_at_expiry = certificate.status == CertificateStatus::Expired
        && store::events(conn, &certificate.id)?
            .iter()
            .rev()
            .find(|event| event.to_status == CertificateStatus::Expired)
            .is_some_and(|event| event.from_status == Some(CertificateStatus::Suspended));
    Ok(renewal(
        (certificate.status, certificate.expires_on),
        suspended_at_expiry,
        today,
    ))
}

/// Issues `content` as the certificate's next revision, for `reason`; the current one is
/// kept, marked superseded today.
fn supersede_with(
    tx: &mut Tx<'_>,
    certificate: &Certificate,
    content: CertifiedContent,
    reason: &str,
) -> AppResult<()> {
    let today = tx.today();
    store::supersede(tx.conn, &certificate.id, certificate.revision, today)?;
    insert_revision(
        tx,
        &certificate.number,
        &Revision {
            certificate_id: certificate.id.clone(),
            revision: content.revision,
            issued_on: today,
            content: Json(content),
            reason: Some(reason.to_owned()),
            superseded_on: None,
        },
    )
}

/// Stores a revision as issued, with its PDF/A, whose SHA-256 the credential names.
fn insert_revision(tx: &mut Tx<'_>, number: &str, revision: &Revision) -> AppResult<()> {
    let verify_url = super::document::verify_url(&tx.rules.cb.public_url, number);
    let pdf = super::pdf::render_pdf(number, &revision.content.0, &verify_url)?;
    store::insert_revision(tx.conn, revision)?;
    store::insert_document(
        tx.conn,
        &store::Document {
            certificate_id: revision.certificate_id.clone(),
            revision: revision.revision,
            sha256: hex::encode(Sha256::digest(&pdf)),
            content: pdf,
        },
    )
}

/// One revision's PDF/A as issued (the current one unless `revision` is given): its
/// client and staff.
pub fn pdf(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &CertificateId,
    revision: Option<i64>,
) -> AppResult<(String, store::Document)> {
    let certificate = find_visible::<CertificateLifecycle>(conn, caller, id)?;
    let revision = revision.unwrap_or(certificate.revision);
    let document = store::document(conn, id, revision)?.ok_or_else(|| {
        AppError::NotFound(format!(
            "revision {revision} of this certificate has no PDF (it has revisions 1 to {})",
            certificate.revision
        ))
    })?;
    Ok((certificate.number, document))
}

fn record_event(
    conn: &mut DbConnection,
    id: &CertificateId,
    (from, to): (Option<CertificateStatus>, CertificateStatus),
    reason: Option<&str>,
    (on, at): (chrono::NaiveDate, NaiveDateTime),
) -> AppResult<()> {
    store::insert_event(
        conn,
        &StatusEvent {
            id: new_id(),
            certificate_id: id.clone(),
            occurred_on: on,
            from_status: from,
            to_status: to,
            reason: reason.map(str::to_owned),
            public: true,
            recorded_at: at,
        },
    )
}

pub fn view(conn: &mut DbConnection, id: &CertificateId) -> AppResult<CertificateView> {
    let certificate = store::find(conn, id)?
        .ok_or_else(|| AppError::NotFound("no certificate has this id".into()))?;
    let revisions = store::revisions(conn, id)?;
    let content = revisions
        .iter()
        .find(|r| r.revision == certificate.revision)
        .map(|r| r.content.0.clone())
        .ok_or_else(|| AppError::internal("a certificate without its current revision"))?;
    let history = store::events(conn, id)?
        .into_iter()
        .map(StatusEventView::from)
        .collect();
    Ok(CertificateView::new(
        certificate,
        content,
        revisions.into_iter().map(RevisionView::from).collect(),
        history,
    ))
}

pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &CertificateId,
) -> AppResult<CertificateView> {
    find_visible::<CertificateLifecycle>(conn, caller, id)?;
    view(conn, id)
}

/// Certificates the caller may see: a client its own, staff all; newest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: CertificateListQuery,
    today: chrono::NaiveDate,
) -> AppResult<Page<CertificateSummary>> {
    let page = PageRequest::parse(query.limit, query.offset)?;
    let organisation = caller.organisation_filter(None)?;
    let overdue = query.restore_overdue.unwrap_or(false).then_some(today);
    let (rows, total) = store::list(conn, organisation.as_ref(), overdue, page)?;
    let revisions = store::current_revisions(conn, &rows)?;
    let summaries = rows
        .into_iter()
        .map(|certificate| {
            let revision = revisions
                .iter()
                .find(|r| r.certificate_id == certificate.id)
                .ok_or_else(|| AppError::internal("a certificate without its current revision"))?;
            Ok(CertificateSummary::new(certificate, &revision.content.0))
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page::new(summaries, total, page, |summary| summary))
}

/// The current revision of a certificate the caller may see, as a credential (unsigned).
pub fn credential(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &CertificateId,
    (did, public_url): (&str, &str),
) -> AppResult<serde_json::Value> {
    let certificate = find_visible::<CertificateLifecycle>(conn, caller, id)?;
    let content = view(conn, id)?.content;
    let lists_url = format!("{public_url}{}", crate::credentials::STATUS_LISTS_PATH);
    let digest = store::document_digest(conn, id, certificate.revision)?;
    let document_url =
        super::document::pdf_url(public_url, &certificate.number, certificate.revision);
    Ok(crate::credentials::domain::certificate_credential(
        (did, public_url),
        &certificate.number,
        &content,
        crate::credentials::domain::StatusEntry {
            lists_url: &lists_url,
            index: certificate.status_index,
        },
        digest.as_deref().map(|sha256_hex| RelatedDocument {
            url: &document_url,
            sha256_hex,
        }),
    ))
}

/// Every certificate in the IAF CertSearch shape (admins).
pub fn register_export(
    conn: &mut DbConnection,
    caller: &Caller,
    cb: &crate::workflow::CbIdentity,
) -> AppResult<Vec<super::register::RegisterRecord>> {
    caller.require_role(&[Role::Admin])?;
    super::register::records(conn, cb)
}

/// Suspends an active certificate with its reason and restore date (a decision maker).
pub fn suspend(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &CertificateId,
    input: SuspensionInput,
) -> AppResult<CertificateView> {
    caller.require_role(CertificateLifecycle::roles(CertificateStep::Suspend))?;
    let reason = required_text(&input.reason, 2000)
        .map_err(|message| AppError::invalid("reason", message))?;
    if input.restore_by.is_some_and(|date| date <= tx.today()) {
        return Err(AppError::invalid("restore_by", "must be after today"));
    }
    take_step::<CertificateLifecycle>(tx, caller, id, CertificateStep::Suspend, Some(reason))?;
    if let Some(date) = input.restore_by {
        store::set_restore_by(tx.conn, id, date)?;
    }
    view(tx.conn, id)
}

/// Reinstatement and withdrawal (a decision maker; withdrawal needs its reason).
pub fn step(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &CertificateId,
    step: CertificateStep,
    note: Option<String>,
) -> AppResult<CertificateView> {
    caller.require_role(CertificateLifecycle::roles(step))?;
    if step == CertificateStep::Withdraw && note.is_none() {
        return Err(AppError::invalid(
            "note",
            "say why the certificate is withdrawn",
        ));
    }
    take_step::<CertificateLifecycle>(tx, caller, id, step, note)?;
    view(tx.conn, id)
}

/// Reduces (17021-1 9.6.5) or extends (9.6.4) the certified scope: a new revision with
/// the sites and their scope; the old revision is kept, marked superseded (a decision
/// maker). A reduction keeps to sites already certified; an extension needs a completed
/// special audit since the current issue, and an active certificate.
pub fn change_scope(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &CertificateId,
    change: ScopeChange,
    input: ScopeChangeInput,
) -> AppResult<CertificateView> {
    caller.require_role(&[Role::DecisionMaker])?;
    let certificate = find_visible::<CertificateLifecycle>(tx.conn, caller, id)?;
    check_independent(
        tx,
        caller,
        &certificate.programme_id,
        &certificate.organisation_id,
    )?;
    let allowed = match change {
        ScopeChange::Reduction => &[CertificateStatus::Active, CertificateStatus::Suspended][..],
        ScopeChange::Extension => &[CertificateStatus::Active][..],
        ScopeChange::Restoration => {
            return Err(AppError::internal("a scope is restored through its appeal"))
        }
    };
    if !allowed.contains(&certificate.status) {
        return Err(AppError::Conflict(format!(
            "the certificate is {}",
            certificate.status.label()
        )));
    }
    if change == ScopeChange::Extension
        && !audits::store::of_programme(tx.conn, &certificate.programme_id)?
            .iter()
            .any(|a| {
                a.kind == AuditKind::Special
                    && a.state == AuditState::Completed
                    && a.starts_on >= certificate.issued_on
            })
    {
        return Err(AppError::Conflict(
            "an extension needs a completed special audit of the extended scope since the current issue (ISO/IEC 17021-1 9.6.4)".into(),
        ));
    }
    let current = view(tx.conn, id)?.content;
    let programme = crate::programmes::store::find(tx.conn, &certificate.programme_id)?
        .ok_or_else(|| AppError::internal("programme vanished"))?;
    let all_sites = crate::applications::store::sites(tx.conn, &programme.application_id)?;
    let mut checker = Checker::new();
    let reason = checker.check("reason", required_text(&input.reason, 2000));
    let scope = checker.check("scope", required_text(&input.scope, 4000));
    let sites = checker.check(
        "sites",
        scoped_sites(&input.sites, &all_sites).and_then(|sites| {
            let certified: Vec<&str> = current.sites.iter().map(|s| s.name.as_str()).collect();
            match sites
                .iter()
                .find(|(site, _)| !certified.contains(&site.name.as_str()))
            {
                Some((site, _)) if change == ScopeChange::Reduction => Err(format!(
                    "{} is not certified now: a reduction cannot add it",
                    site.name
                )),
                _ => Ok(sites),
            }
        }),
    );
    let (reason, scope, sites) = checker.finish((reason, scope, sites))?;
    revise_scope(
        tx,
        &certificate,
        (scope, certified_sites(sites)),
        (change, &reason),
    )?;
    view(tx.conn, id)
}

/// Issues the next revision of a certificate with `scope` and `sites`, the earlier one
/// kept as superseded: audited, told to the client, published.
pub fn revise_scope(
    tx: &mut Tx<'_>,
    certificate: &Certificate,
    (scope, sites): (String, Vec<CertifiedSite>),
    (change, reason): (ScopeChange, &str),
) -> AppResult<()> {
    let id = &certificate.id;
    let current = view(tx.conn, id)?.content;
    let today = tx.today();
    let revision = certificate.revision + 1;
    let content = CertifiedContent {
        scope,
        sites,
        issued_on: today,
        revision,
        ..current
    };
    supersede_with(tx, certificate, content, reason)?;
    store::set_revision(tx.conn, id, revision, today, tx.now())?;
    let changed = change.past_tense();
    tx.record(Change {
        entity_type: CertificateLifecycle::ENTITY,
        entity_id: id.as_str(),
        organisation_id: Some(certificate.organisation_id.as_str()),
        action: &format!("scope_{changed}"),
        before: Some(json!({"revision": certificate.revision})),
        after: Some(json!({"revision": revision, "reason": reason})),
    })?;
    tell_client(
        tx,
        certificate,
        &format!("scope {changed} (revision {revision})"),
        Some(reason),
    )?;
    publish(tx, id)
}

/// The sites named in `input`, each with its scope; every one must be the client's.
pub fn scoped_sites(
    input: &[SiteScopeInput],
    sites: &[Site],
) -> Result<Vec<(Site, String)>, String> {
    if input.is_empty() {
        return Err("name at least one site".into());
    }
    let mut chosen: Vec<(Site, String)> = Vec::new();
    for entry in input {
        let Some(site) = sites.iter().find(|s| s.id == entry.site_id) else {
            return Err(format!("{} is not a site of this client", entry.site_id));
        };
        if chosen.iter().any(|(s, _)| s.id == site.id) {
            return Err(format!("{} is named twice", site.name));
        }
        let scope =
            required_text(&entry.scope, 2000).map_err(|m| format!("{}: scope {m}", site.name))?;
        chosen.push((site.clone(), scope));
    }
    Ok(chosen)
}

/// Expires certificates past their expiry date (the scheduler); returns how many.
pub fn expire_due(tx: &mut Tx<'_>) -> AppResult<usize> {
    let due = store::past_expiry(tx.conn, tx.today())?;
    for certificate in &due {
        change_status(
            tx,
            certificate,
            CertificateStep::Expire,
            "the certificate reached its expiry date",
        )?;
    }
    Ok(due.len())
}

/// How long before a surveillance window opens, and before expiry, the client is reminded.
const SURVEILLANCE_REMINDER_DAYS: i64 = 30;
const EXPIRY_REMINDER_DAYS: i64 = 90;

/// The time-driven rules for certificates in force (17021-1 9.6.2, 9.6.3, 9.6.5), each
/// notice once: reminders before a surveillance window and before expiry; a warning when a
/// surveillance window closed without its audit and suspension `surveillance_grace_days`
/// later; the decision makers told when a suspension passes its restore date. Returns the
/// number of notices and suspensions.
pub fn watch(tx: &mut Tx<'_>) -> AppResult<usize> {
    let today = tx.today();
    let grace = TimeDelta::days(tx.rules.surveillance_grace_days.into());
    let mut done = 0;
    for certificate in store::in_force(tx.conn)? {
        // One automatic suspension per certificate and run: a second missed window finds
        // it suspended already.
        let mut status = certificate.status;
        let held: Vec<ProgrammeAuditId> =
            audits::store::of_programme(tx.conn, &certificate.programme_id)?
                .into_iter()
                .filter(|a| a.state == AuditState::Completed)
                .filter_map(|a| a.programme_audit_id)
                .collect();
        let programme = programmes::store::find(tx.conn, &certificate.programme_id)?
            .ok_or_else(|| AppError::internal("programme vanished"))?;
        let surveillance = programmes::store::plan_of(tx.conn, &certificate.programme_id)?
            .into_iter()
            .filter(|e| e.cycle == programme.cycle)
            .filter(|e| {
                matches!(
                    e.kind,
                    ProgrammeAuditKind::Surveillance1 | ProgrammeAuditKind::Surveillance2
                )
            })
            .filter(|e| !held.contains(&e.id));
        for entry in surveillance {
            let subject = format!("{}:{}", certificate.id, entry.id);
            if today < entry.window_start
                && today + TimeDelta::days(SURVEILLANCE_REMINDER_DAYS) >= entry.window_start
                && first_notice(tx.conn, &subject, "surveillance-reminder", tx.now())?
            {
                let note = format!(
                    "the surveillance audit is due between {} and {}",
                    entry.window_start, entry.window_end
                );
                tell_client(tx, &certificate, "due for surveillance", Some(&note))?;
                done += 1;
            }
            if today > entry.window_end
                && first_notice(tx.conn, &subject, "surveillance-missed", tx.now())?
            {
                let note = format!(
                    "the surveillance audit was due by {}; without it the certificate is suspended after {} (ISO/IEC 17021-1 9.6.5)",
                    entry.window_end,
                    entry.window_end + grace
                );
                tell_client(tx, &certificate, "overdue for surveillance", Some(&note))?;
                done += 1;
            }
            if today > entry.window_end + grace
                && status == CertificateStatus::Active
                && first_notice(tx.conn, &subject, "surveillance-suspension", tx.now())?
            {
                let reason = format!(
                    "the surveillance audit due by {} was not held (ISO/IEC 17021-1 9.6.5)",
                    entry.window_end
                );
                change_status(tx, &certificate, CertificateStep::Suspend, &reason)?;
                status = CertificateStatus::Suspended;
                done += 1;
            }
        }
        let subject = certificate.id.as_str().to_owned();
        if today + TimeDelta::days(EXPIRY_REMINDER_DAYS) >= certificate.expires_on
            && first_notice(
                tx.conn,
                &subject,
                &format!("expiry-reminder-{}", certificate.expires_on),
                tx.now(),
            )?
        {
            let note = format!("it expires on {}: recertification must be decided before then (ISO/IEC 17021-1 9.6.3)", certificate.expires_on);
            tell_client(tx, &certificate, "close to expiry", Some(&note))?;
            done += 1;
        }
        if let Some(restore_by) = certificate.restore_by.filter(|by| *by < today) {
            if certificate.status == CertificateStatus::Suspended
                && first_notice(
                    tx.conn,
                    &subject,
                    &format!("restore-deadline-{restore_by}"),
                    tx.now(),
                )?
            {
                let note = format!("the suspension passed its restore date {restore_by}: withdraw the certificate or reduce its scope (ISO/IEC 17021-1 9.6.5)");
                let deciders = accounts::active_users_with_role(tx.conn, Role::DecisionMaker)?;
                mail(
                    tx,
                    &certificate,
                    &deciders,
                    "suspended past its restore date",
                    Some(&note),
                )?;
                done += 1;
            }
        }
    }
    Ok(done)
}

/// A status change the scheduler makes, with its event, audit entry and mail.
fn change_status(
    tx: &mut Tx<'_>,
    certificate: &Certificate,
    step: CertificateStep,
    reason: &str,
) -> AppResult<()> {
    let to = next_status(certificate.status, step).map_err(AppError::Conflict)?;
    let at = tx.now();
    let restore_by = (to == CertificateStatus::Suspended).then(|| default_restore_by(at.date()));
    if !store::set_status(
        tx.conn,
        &certificate.id,
        (certificate.status, to),
        Some(reason),
        restore_by,
        at,
    )? {
        return Ok(());
    }
    record_event(
        tx.conn,
        &certificate.id,
        (Some(certificate.status), to),
        Some(reason),
        (at.date(), at),
    )?;
    tx.record(Change {
        entity_type: CertificateLifecycle::ENTITY,
        entity_id: certificate.id.as_str(),
        organisation_id: Some(certificate.organisation_id.as_str()),
        action: CertificateLifecycle::action(step),
        before: Some(json!({"status": certificate.status})),
        after: Some(json!({"status": to, "reason": reason})),
    })?;
    publish(tx, &certificate.id)?;
    tell_client(tx, certificate, to.label().as_str(), Some(reason))
}

fn tell_client(
    tx: &mut Tx<'_>,
    certificate: &Certificate,
    headline: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let users = accounts::active_users_of_organisation(tx.conn, &certificate.organisation_id)?;
    mail(tx, certificate, &users, headline, note)
}

fn mail(
    tx: &mut Tx<'_>,
    certificate: &Certificate,
    recipients: &[accounts::User],
    headline: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let organisation = accounts::find_organisation(tx.conn, certificate.organisation_id.as_str())?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    let standard = standards::store::get(tx.conn, &certificate.standard_id)?;
    for user in recipients {
        tx.mail(
            &user.email,
            "certificate_notice",
            json!({
                "recipient_name": user.full_name,
                "organisation_name": organisation.legal_name,
                "number": certificate.number,
                "standard": standard.designation(),
                "headline": headline,
                "note": note.unwrap_or(""),
                "certificate_id": certificate.id,
            }),
        )?;
    }
    Ok(())
}

/// Certificates as the transition kernel sees them.
pub struct CertificateLifecycle;

impl Lifecycle for CertificateLifecycle {
    const ENTITY: &'static str = "certificate";
    type Id = CertificateId;
    type Record = Certificate;
    type State = CertificateStatus;
    type Step = CertificateStep;

    fn load(conn: &mut DbConnection, id: &CertificateId) -> AppResult<Option<Certificate>> {
        store::find(conn, id)
    }

    fn scope(certificate: &Certificate) -> ObjectScope<'_> {
        ObjectScope {
            organisation_id: Some(&certificate.organisation_id),
            staff: StaffAccess::AnyStaff,
        }
    }

    fn state(certificate: &Certificate) -> CertificateStatus {
        certificate.status
    }

    fn next(from: CertificateStatus, step: CertificateStep) -> Result<CertificateStatus, String> {
        next_status(from, step)
    }

    /// Suspension, reinstatement and withdrawal are certification decisions (17021-1 9.6.5).
    fn roles(_: CertificateStep) -> &'static [Role] {
        &[Role::DecisionMaker]
    }

    fn action(step: CertificateStep) -> &'static str {
        match step {
            CertificateStep::Suspend => "suspended",
            CertificateStep::Reinstate => "reinstated",
            CertificateStep::Withdraw => "withdrawn",
            CertificateStep::Expire => "expired",
            CertificateStep::RestoreOnAppeal => "reinstated_on_appeal",
        }
    }

    fn before_step(
        tx: &mut Tx<'_>,
        caller: &Caller,
        certificate: &Certificate,
        _: CertificateStep,
    ) -> AppResult<()> {
        check_independent(
            tx,
            caller,
            &certificate.programme_id,
            &certificate.organisation_id,
        )
    }

    fn store_state(
        conn: &mut DbConnection,
        id: &CertificateId,
        from: CertificateStatus,
        to: CertificateStatus,
        note: Option<&str>,
        (_, at): (&Caller, NaiveDateTime),
    ) -> AppResult<bool> {
        let restore_by =
            (to == CertificateStatus::Suspended).then(|| default_restore_by(at.date()));
        if !store::set_status(conn, id, (from, to), note, restore_by, at)? {
            return Ok(false);
        }
        record_event(conn, id, (Some(from), to), note, (at.date(), at))?;
        Ok(true)
    }

    fn notify(
        tx: &mut Tx<'_>,
        certificate: &Certificate,
        _: CertificateStep,
        to: CertificateStatus,
        note: Option<&str>,
    ) -> AppResult<()> {
        publish(tx, &certificate.id)?;
        tell_client(tx, certificate, to.label().as_str(), note)
    }
}
