//! Use cases of complaints: filing by anyone, reading back by reference and secret, the
//! staff handling through the transition kernel, the deadline job and public notices.

use chrono::NaiveDateTime;
use serde_json::json;

use super::domain::*;
use super::dto::*;
use super::store::{self, Complaint, ComplaintActions, ComplaintFilter, EvidenceInfo, Notice};
use super::{ComplaintId, EvidenceId, NoticeId};
use crate::accounts::domain::parse_email;
use crate::accounts::store::{self as accounts, User};
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::certificates::domain::{normalise_number, CertificateStatus};
use crate::db::DbConnection;
use crate::documents::{self, upload::Upload};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageRequest};
use crate::trail::Change;
use crate::validate::{optional_text, required_prose, required_text, Checker};
use crate::verification;
use crate::verification::domain::names_holder;
use crate::workflow::cases::{self, deadlines, new_reference, OpenCase};
use crate::workflow::impartiality::involvement;
use crate::workflow::transition::{find_visible, take_step, Lifecycle};
use crate::workflow::Tx;
use sha2::{Digest, Sha256};

const ENTITY: &str = "complaint";
/// Who handles complaints.
const HANDLERS: &[Role] = &[Role::Admin, Role::ComplaintHandler];

/// Files a complaint from anyone. The answer holds the secret, shown this once.
pub fn submit(tx: &mut Tx<'_>, input: ComplaintInput) -> AppResult<ComplaintReceipt> {
    let mut checker = Checker::new();
    let organisation_name = checker.check(
        "organisation_name",
        required_text(&input.organisation_name, 300),
    );
    let number = checker.check(
        "certificate_number",
        optional_text(input.certificate_number.as_deref(), 100),
    );
    let description = checker.check("description", required_prose(&input.description, 8000));
    let reporter_name = checker.check(
        "reporter_name",
        optional_text(input.reporter_name.as_deref(), 200),
    );
    let reporter_email = checker.check(
        "reporter_email",
        // Absent, or an address (the form for people leaves a blank field out).
        input.reporter_email.as_deref().map(parse_email).transpose(),
    );
    let (organisation_name, number, description, reporter_name, reporter_email) =
        checker.finish((
            organisation_name,
            number,
            description,
            reporter_name,
            reporter_email,
        ))?;
    // A number of ours held by the organisation named ties the complaint to that
    // certificate and client. Any other number — forged, or someone else's shown by the
    // organisation named — is kept as the reporter gave it; staff link a client at
    // assignment when the complaint is about one.
    let prefix = tx.rules.cb.certificate_prefix.clone();
    let mut number = number;
    let mut certificate = None;
    if let Some(normalised) = number
        .as_deref()
        .and_then(|typed| normalise_number(&prefix, typed).ok())
    {
        if let Some((id, holder_key)) = verification::store::holder(tx.conn, &normalised)? {
            if names_holder(&organisation_name, &holder_key) {
                certificate = crate::certificates::store::find(tx.conn, &id)?;
                number = Some(normalised);
            }
        }
    }
    let secret = new_secret();
    let (acknowledge_by, resolve_by) = deadlines(tx.today(), tx.rules.case_days);
    let now = tx.now();
    let complaint = Complaint {
        id: ComplaintId::generate(),
        reference: new_reference('C'),
        secret_sha256: secret_digest(&secret),
        kind: input.kind,
        organisation_name,
        certificate_number: number,
        certificate_id: certificate.as_ref().map(|c| c.id.clone()),
        organisation_id: certificate.map(|c| c.organisation_id),
        description,
        reporter_name,
        reporter_email,
        state: ComplaintState::Received,
        handler_id: None,
        outcome: None,
        public_outcome: None,
        actions: None,
        received_at: now,
        acknowledge_by,
        resolve_by,
        acknowledged_at: None,
        decided_at: None,
        closed_at: None,
        updated_at: now,
    };
    store::insert(tx.conn, &complaint)?;
    // Not the client's to read in its trail: the reporter's identity stays with the CB.
    tx.record(Change {
        entity_type: ENTITY,
        entity_id: complaint.id.as_str(),
        organisation_id: None,
        action: "received",
        before: None,
        after: Some(json!({"reference": complaint.reference, "kind": complaint.kind,
            "organisation_name": complaint.organisation_name, "certificate_id": complaint.certificate_id})),
    })?;
    let mut staff = accounts::active_users_with_role(tx.conn, Role::ComplaintHandler)?;
    staff.extend(accounts::active_users_with_role(tx.conn, Role::Admin)?);
    tell_staff(
        tx,
        &complaint,
        &staff,
        "received",
        Some(&complaint.description),
    )?;
    let public_url = tx.rules.cb.public_url.clone();
    Ok(ComplaintReceipt {
        status_url: format!(
            "{public_url}/api/v1/public/complaints/{}",
            complaint.reference
        ),
        reference: complaint.reference,
        secret,
        acknowledge_by,
    })
}

/// A complaint as its reporter sees it. An unknown reference and a wrong secret answer
/// alike, so neither can be probed.
pub fn public_status(
    conn: &mut DbConnection,
    reference: &str,
    secret: &str,
) -> AppResult<PublicComplaintView> {
    Ok(PublicComplaintView::from(&by_secret(
        conn, reference, secret,
    )?))
}

/// The complaint with this reference, for the holder of its secret only.
fn by_secret(conn: &mut DbConnection, reference: &str, secret: &str) -> AppResult<Complaint> {
    let reference = reference.trim().to_uppercase();
    store::by_reference(conn, &reference)?
        .filter(|complaint| complaint.secret_sha256 == secret_digest(secret))
        .ok_or_else(|| AppError::NotFound("no complaint has this reference and secret".into()))
}

pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: ComplaintListQuery,
    today: chrono::NaiveDate,
) -> AppResult<Page<ComplaintView>> {
    caller.require_role(HANDLERS)?;
    let page = PageRequest::parse(query.limit, query.offset)?;
    let filter = ComplaintFilter {
        state: query.state,
        handler: query.handler_id,
        overdue_on: query.overdue.unwrap_or(false).then_some(today),
    };
    let (rows, total) = store::list(conn, &filter, page)?;
    Ok(Page::new(rows, total, page, ComplaintView::from))
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: &ComplaintId) -> AppResult<ComplaintView> {
    caller.require_role(HANDLERS)?;
    Ok(find_visible::<ComplaintLifecycle>(conn, caller, id)?.into())
}

/// Acknowledgement (receipt confirmed to the reporter, with whether the complaint concerns
/// our certification activities, 9.8.5) and closing (formal notice of the end, 9.8.7).
pub fn step(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &ComplaintId,
    step: ComplaintStep,
    note: Option<String>,
) -> AppResult<ComplaintView> {
    take_step::<ComplaintLifecycle>(tx, caller, id, step, note)?;
    reload(tx.conn, id)
}

/// Puts a complaint handler in charge who is not involved with the client concerned
/// (9.8.3): not on its audit teams or its decision in the current cycle, no conflict.
pub fn assign(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &ComplaintId,
    input: AssignInput,
) -> AppResult<ComplaintView> {
    caller.require_role(HANDLERS)?;
    let mut complaint = find_visible::<ComplaintLifecycle>(tx.conn, caller, id)?;
    if complaint.state == ComplaintState::Investigating && caller.role != Role::Admin {
        return Err(AppError::Forbidden(
            "an admin reassigns a complaint under investigation".into(),
        ));
    }
    let handler = accounts::find_user(tx.conn, &input.handler_id)?
        .filter(|user| user.active && user.role == Role::ComplaintHandler)
        .ok_or_else(|| AppError::invalid("handler_id", "must be an active complaint handler"))?;
    if let Some(client) = input.organisation_id {
        if complaint.organisation_id.is_some() {
            return Err(AppError::invalid(
                "organisation_id",
                "the complaint already names its client through the certificate",
            ));
        }
        let client = accounts::find_organisation(tx.conn, client.as_str())?
            .ok_or_else(|| AppError::invalid("organisation_id", "no client has this id"))?;
        store::set_organisation(tx.conn, id, &client.id)?;
        complaint.organisation_id = Some(client.id);
    }
    if let Some(client) = &complaint.organisation_id {
        if let Some(why) = involvement(tx, &handler, client)? {
            return Err(AppError::invalid(
                "handler_id",
                format!(
                    "{why}: someone not involved handles the complaint (ISO/IEC 17021-1 9.8.3)"
                ),
            ));
        }
    }
    let previous = match &complaint.handler_id {
        Some(previous) if previous != &handler.id => accounts::find_user(tx.conn, previous)?,
        _ => None,
    };
    store::set_handler(tx.conn, id, &handler.id)?;
    let note = format!("assigned to {}", handler.full_name);
    take_step::<ComplaintLifecycle>(tx, caller, id, ComplaintStep::Assign, Some(note))?;
    tell_staff(
        tx,
        &complaint,
        previous.as_slice(),
        "reassigned: no longer yours",
        None,
    )?;
    reload(tx.conn, id)
}

/// The handler's decision: substantiated or not, what the reporter is told, and what it
/// sets in motion — a request to the decision makers to consider suspension, a public
/// notice of a false claim by an organisation we do not certify.
pub fn decide(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &ComplaintId,
    input: ComplaintDecisionInput,
) -> AppResult<ComplaintView> {
    caller.require_role(ComplaintLifecycle::roles(ComplaintStep::Decide))?;
    let complaint = find_visible::<ComplaintLifecycle>(tx.conn, caller, id)?;
    let public_outcome = required_prose(&input.public_outcome, 4000)
        .map_err(|message| AppError::invalid("public_outcome", message))?;
    let substantiated = input.outcome == ComplaintOutcome::Substantiated;
    if input.request_suspension {
        let in_force = match &complaint.certificate_id {
            Some(certificate) => crate::certificates::store::find(tx.conn, certificate)?
                .is_some_and(|c| c.status == CertificateStatus::Active),
            None => false,
        };
        if !substantiated || !in_force {
            return Err(AppError::invalid(
                "request_suspension",
                "only for a substantiated complaint about an active certificate of ours",
            ));
        }
    }
    if input.public_notice {
        check_notice_allowed(tx, &complaint, substantiated)?;
    }
    let actions = ComplaintActions {
        suspension_requested: input.request_suspension,
        public_notice: input.public_notice,
    };
    store::set_outcome(tx.conn, id, (input.outcome, &public_outcome, &actions))?;
    take_step::<ComplaintLifecycle>(
        tx,
        caller,
        id,
        ComplaintStep::Decide,
        Some(format!("{}: {public_outcome}", input.outcome.label())),
    )?;
    if input.request_suspension {
        request_suspension(tx, &complaint)?;
    }
    if input.public_notice {
        publish_notice(tx, &complaint)?;
    }
    reload(tx.conn, id)
}

fn check_notice_allowed(
    tx: &mut Tx<'_>,
    complaint: &Complaint,
    substantiated: bool,
) -> AppResult<()> {
    let why_not = if !substantiated {
        Some("only a substantiated complaint leads to a public notice")
    } else if !about_a_claim(complaint.kind) {
        Some("only a false claim or misuse of certification leads to a public notice")
    } else if complaint.certificate_id.is_some()
        || verification::store::name_holds_certificate(
            tx.conn,
            &verification::domain::search_key(&complaint.organisation_name),
        )?
    {
        Some("the organisation holds a certificate from us: act on that certificate instead")
    } else {
        None
    };
    match why_not {
        Some(why) => Err(AppError::invalid("public_notice", why)),
        None => Ok(()),
    }
}

/// Asks every decision maker to consider suspending the certificate (9.6.5 is their
/// decision, not the complaint handler's); the certificate's trail shows the request.
fn request_suspension(tx: &mut Tx<'_>, complaint: &Complaint) -> AppResult<()> {
    let Some(certificate) = &complaint.certificate_id else {
        return Ok(());
    };
    tx.record(Change {
        entity_type: "certificate",
        entity_id: certificate.as_str(),
        organisation_id: None,
        action: "suspension_requested",
        before: None,
        after: Some(json!({"complaint_id": complaint.id, "reference": complaint.reference})),
    })?;
    let deciders = accounts::active_users_with_role(tx.conn, Role::DecisionMaker)?;
    tell_staff(
        tx,
        complaint,
        &deciders,
        "substantiated: please consider suspending the certificate concerned",
        Some(&format!(
            "Certificate {}: {}/api/v1/certificates/{certificate}",
            complaint.certificate_number.as_deref().unwrap_or(""),
            tx.rules.cb.public_url
        )),
    )
}

fn publish_notice(tx: &mut Tx<'_>, complaint: &Complaint) -> AppResult<()> {
    let cb = tx.rules.cb.name.clone();
    let statement = match complaint.kind {
        ComplaintKind::Misuse => format!(
            "{} used a certificate or mark of {cb} without holding a certification from us.",
            complaint.organisation_name
        ),
        _ => format!(
            "{} claimed a certification by {cb} that it does not hold.",
            complaint.organisation_name
        ),
    };
    let notice = Notice {
        id: NoticeId::generate(),
        complaint_id: complaint.id.clone(),
        organisation_name: complaint.organisation_name.clone(),
        certificate_number: complaint.certificate_number.clone(),
        statement,
        published_on: tx.today(),
        withdrawn_on: None,
    };
    store::insert_notice(tx.conn, &notice)?;
    tx.record(Change {
        entity_type: "public_notice",
        entity_id: notice.id.as_str(),
        organisation_id: None,
        action: "published",
        before: None,
        after: Some(
            json!({"complaint_id": complaint.id, "organisation_name": notice.organisation_name,
            "statement": notice.statement}),
        ),
    })
}

/// Withdraws the complaint's public notice (admins), with the reason, in the trail.
pub fn withdraw_notice(
    tx: &mut Tx,
    caller: &Caller,
    id: &ComplaintId,
    reason: String,
) -> AppResult<ComplaintView> {
    caller.require_role(&[Role::Admin])?;
    find_visible::<ComplaintLifecycle>(tx.conn, caller, id)?;
    let Some(notice) = store::notice_in_force(tx.conn, id)? else {
        return Err(AppError::Conflict(
            "this complaint has no public notice in force".into(),
        ));
    };
    let today = tx.today();
    store::withdraw_notice(tx.conn, &notice.id, today)?;
    tx.record(Change {
        entity_type: "public_notice",
        entity_id: notice.id.as_str(),
        organisation_id: None,
        action: "withdrawn",
        before: Some(json!({"withdrawn_on": null})),
        after: Some(json!({"withdrawn_on": today, "reason": reason})),
    })?;
    reload(tx.conn, id)
}

fn reload(conn: &mut DbConnection, id: &ComplaintId) -> AppResult<ComplaintView> {
    store::find(conn, id)?
        .map(ComplaintView::from)
        .ok_or_else(|| AppError::internal("complaint vanished"))
}

/// Files one complaint may carry.
const MAX_EVIDENCE: usize = 5;

/// The reporter attaches a file (within the upload limit, a type checked by its content)
/// until the complaint is decided; at most `MAX_EVIDENCE`.
pub fn add_evidence(
    tx: &mut Tx<'_>,
    (reference, secret): (&str, &str),
    upload: Upload,
) -> AppResult<EvidenceView> {
    let complaint = by_secret(tx.conn, reference, secret)?;
    if matches!(
        complaint.state,
        ComplaintState::Decided | ComplaintState::Closed
    ) {
        return Err(AppError::Conflict(format!(
            "the complaint is {}: no more evidence is taken",
            complaint.state.label()
        )));
    }
    if store::evidence_of(tx.conn, &complaint.id)?.len() >= MAX_EVIDENCE {
        return Err(AppError::Conflict(format!(
            "a complaint carries at most {MAX_EVIDENCE} files"
        )));
    }
    let content_type = documents::domain::check_content(&upload.content_type, &upload.bytes)
        .map_err(AppError::UnsupportedMediaType)?;
    let info = EvidenceInfo {
        id: EvidenceId::generate(),
        complaint_id: complaint.id.clone(),
        filename: documents::domain::safe_filename(&upload.filename),
        content_type: content_type.to_owned(),
        size_bytes: upload.bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(&upload.bytes)),
        uploaded_at: tx.now(),
    };
    store::insert_evidence(tx.conn, &info, &upload.bytes)?;
    tx.record(Change {
        entity_type: ENTITY,
        entity_id: complaint.id.as_str(),
        organisation_id: None,
        action: "evidence_added",
        before: None,
        after: Some(
            json!({"evidence_id": info.id, "filename": info.filename, "sha256": info.sha256,
            "size_bytes": info.size_bytes}),
        ),
    })?;
    Ok(info.into())
}

pub fn evidence(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &ComplaintId,
) -> AppResult<Vec<EvidenceView>> {
    caller.require_role(HANDLERS)?;
    let complaint = find_visible::<ComplaintLifecycle>(conn, caller, id)?;
    Ok(store::evidence_of(conn, &complaint.id)?
        .into_iter()
        .map(EvidenceView::from)
        .collect())
}

pub fn evidence_file(
    conn: &mut DbConnection,
    caller: &Caller,
    (id, evidence): (&ComplaintId, &EvidenceId),
) -> AppResult<(EvidenceInfo, Vec<u8>)> {
    caller.require_role(HANDLERS)?;
    let complaint = find_visible::<ComplaintLifecycle>(conn, caller, id)?;
    store::evidence_file(conn, &complaint.id, evidence)?
        .ok_or_else(|| AppError::NotFound("no file of this complaint has this id".into()))
}

/// Public notices of false claims in force, newest first.
pub fn notices(conn: &mut DbConnection, query: NoticeListQuery) -> AppResult<Page<Notice>> {
    let page = PageRequest::parse(query.limit, query.offset)?;
    let (rows, total) = store::notices(conn, page)?;
    Ok(Page::new(rows, total, page, |notice| notice))
}

/// Mails admins and the handler about open complaints past a deadline, once per complaint
/// and deadline (a scheduled job).
pub fn remind_overdue(tx: &mut Tx<'_>) -> AppResult<usize> {
    let open = store::open_past_deadline(tx.conn, tx.today())?;
    cases::remind_overdue(
        tx,
        &open,
        |c| OpenCase {
            id: c.id.as_str(),
            acknowledged: c.state != ComplaintState::Received,
            acknowledge_by: c.acknowledge_by,
            resolve_by: c.resolve_by,
        },
        |tx, complaint, headline| {
            let mut recipients = accounts::active_users_with_role(tx.conn, Role::Admin)?;
            if let Some(handler) = &complaint.handler_id {
                recipients.extend(accounts::find_user(tx.conn, handler)?);
            }
            tell_staff(tx, complaint, &recipients, headline, None)
        },
    )
}

fn tell_staff(
    tx: &mut Tx<'_>,
    complaint: &Complaint,
    staff: &[User],
    headline: &str,
    note: Option<&str>,
) -> AppResult<()> {
    let link = format!(
        "{}/api/v1/complaints/{}",
        tx.rules.cb.public_url, complaint.id
    );
    for user in staff {
        tx.mail(
            &user.email,
            "case_notice",
            json!({"recipient_name": user.full_name,
                "case": format!("Complaint {} about {}", complaint.reference, complaint.organisation_name),
                "headline": headline, "note": note.unwrap_or(""), "link": link}),
        )?;
    }
    Ok(())
}

/// A complaint about a certified client is referred to it (17021-1 9.8): once decided, its
/// users learn the subject and the outcome, not who complained.
fn refer_to_client(tx: &mut Tx<'_>, complaint: &Complaint) -> AppResult<()> {
    let Some(client) = &complaint.organisation_id else {
        return Ok(());
    };
    let outcome = complaint.outcome.map(|o| o.label()).unwrap_or_default();
    for user in accounts::active_users_of_organisation(tx.conn, client)? {
        tx.mail(
            &user.email,
            "case_notice",
            json!({"recipient_name": user.full_name,
                "case": format!("Complaint {} about {} ({})", complaint.reference,
                    complaint.organisation_name, complaint.kind.label()),
                "headline": format!("decided: {outcome}"),
                "note": complaint.public_outcome.as_deref().unwrap_or(""),
                "link": format!("{}/verify", tx.rules.cb.public_url)}),
        )?;
    }
    Ok(())
}

/// Complaints as the transition kernel sees them.
pub struct ComplaintLifecycle;

impl Lifecycle for ComplaintLifecycle {
    const ENTITY: &'static str = ENTITY;
    type Id = ComplaintId;
    type Record = Complaint;
    type State = ComplaintState;
    type Step = ComplaintStep;

    fn load(conn: &mut DbConnection, id: &ComplaintId) -> AppResult<Option<Complaint>> {
        store::find(conn, id)
    }

    /// The CB's own record: no client reads it (the reporter reads theirs by secret).
    fn scope(_: &Complaint) -> ObjectScope<'_> {
        ObjectScope {
            organisation_id: None,
            staff: StaffAccess::AnyStaff,
        }
    }

    fn state(complaint: &Complaint) -> ComplaintState {
        complaint.state
    }

    fn next(from: ComplaintState, step: ComplaintStep) -> Result<ComplaintState, String> {
        next_state(from, step)
    }

    /// The decision is the assigned handler's alone (`before_step`).
    fn roles(step: ComplaintStep) -> &'static [Role] {
        match step {
            ComplaintStep::Decide => &[Role::ComplaintHandler],
            _ => HANDLERS,
        }
    }

    fn action(step: ComplaintStep) -> &'static str {
        match step {
            ComplaintStep::Acknowledge => "acknowledged",
            ComplaintStep::Assign => "assigned",
            ComplaintStep::Decide => "decided",
            ComplaintStep::Close => "closed",
        }
    }

    fn before_step(
        tx: &mut Tx<'_>,
        caller: &Caller,
        complaint: &Complaint,
        step: ComplaintStep,
    ) -> AppResult<()> {
        let assigned = complaint.handler_id.as_ref() == Some(&caller.user_id);
        match step {
            ComplaintStep::Decide if !assigned => Err(AppError::Forbidden(
                "only the complaint's assigned handler decides it".into(),
            )),
            ComplaintStep::Decide => {
                // Involvement may have arisen since the assignment (a new audit team).
                let user = accounts::find_user(tx.conn, &caller.user_id)?
                    .ok_or_else(|| AppError::internal("the caller vanished"))?;
                let involved = match &complaint.organisation_id {
                    Some(client) => involvement(tx, &user, client)?,
                    None => None,
                };
                match involved {
                    Some(why) => Err(AppError::Forbidden(format!(
                        "{why}: reassign the complaint (ISO/IEC 17021-1 9.8.3)"
                    ))),
                    None => Ok(()),
                }
            }
            ComplaintStep::Close if !assigned && caller.role != Role::Admin => Err(
                AppError::Forbidden("the assigned handler or an admin closes a complaint".into()),
            ),
            _ => Ok(()),
        }
    }

    fn store_state(
        conn: &mut DbConnection,
        id: &ComplaintId,
        from: ComplaintState,
        to: ComplaintState,
        _: Option<&str>,
        (_, at): (&Caller, NaiveDateTime),
    ) -> AppResult<bool> {
        store::set_state(conn, id, (from, to), at)
    }

    /// The reporter hears of the acknowledgement, the outcome and the end (9.8.5-9.8.7);
    /// the handler of the assignment.
    fn notify(
        tx: &mut Tx<'_>,
        complaint: &Complaint,
        step: ComplaintStep,
        _: ComplaintState,
        note: Option<&str>,
    ) -> AppResult<()> {
        if step == ComplaintStep::Assign {
            let handler = match &complaint.handler_id {
                Some(id) => accounts::find_user(tx.conn, id)?,
                None => None,
            };
            return tell_staff(tx, complaint, handler.as_slice(), "assigned to you", None);
        }
        if step == ComplaintStep::Decide {
            refer_to_client(tx, complaint)?;
        }
        let Some(email) = complaint.reporter_email.clone() else {
            return Ok(());
        };
        let headline = match step {
            ComplaintStep::Acknowledge => format!(
                "received and acknowledged; we aim to decide it by {}",
                complaint.resolve_by
            ),
            ComplaintStep::Decide => format!(
                "decided: {}",
                complaint.outcome.map(|o| o.label()).unwrap_or_default()
            ),
            _ => "closed: this is the formal notice that its handling has ended".into(),
        };
        let told = match step {
            ComplaintStep::Decide => complaint.public_outcome.as_deref(),
            _ => note,
        };
        tx.mail(
            &email,
            "case_notice",
            json!({"recipient_name": complaint.reporter_name.as_deref().unwrap_or("Sir or Madam"),
                "case": format!("Your complaint {}", complaint.reference),
                "headline": headline, "note": told.unwrap_or(""),
                "link": format!("{}/verify/complaint?reference={}", tx.rules.cb.public_url, complaint.reference)}),
        )
    }
}
