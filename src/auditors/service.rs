//! Use cases of auditors: qualifications, declared conflicts, the checks an audit team
//! assignment makes, and the lapse reminders.

use chrono::{NaiveDate, TimeDelta};
use serde_json::json;

use super::domain::*;
use super::dto::*;
use super::store::{self, Conflict, Qualification};
use super::{ConflictId, QualificationId};
use crate::accounts::store as accounts;
use crate::accounts::{OrganisationId, UserId};
use crate::applications::domain::ConsultancyKind;
use crate::auth::{Caller, Role};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::scheduler::first_notice;
use crate::standards::{self, StandardId};
use crate::trail::Change;
use crate::validate::{required_text, Checker};
use crate::workflow::Tx;

const ENTITY: &str = "auditor";

/// The staff member `user_id`; 404 for unknown ids and client users.
fn staff_member(conn: &mut DbConnection, user_id: &UserId) -> AppResult<accounts::User> {
    accounts::find_user(conn, user_id)?
        .filter(|user| user.role.is_staff())
        .ok_or_else(|| AppError::NotFound("no staff member has this id".into()))
}

/// Admins see everyone's record; staff see their own.
fn ensure_admin_or_self(caller: &Caller, user_id: &UserId) -> AppResult<()> {
    if caller.role == Role::Admin || (caller.role.is_staff() && &caller.user_id == user_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only admins and the person themselves reach this record".into(),
        ))
    }
}

pub fn profile(
    conn: &mut DbConnection,
    caller: &Caller,
    user_id: &UserId,
    today: NaiveDate,
) -> AppResult<AuditorView> {
    ensure_admin_or_self(caller, user_id)?;
    let user = staff_member(conn, user_id)?;
    Ok(AuditorView {
        qualifications: store::qualifications(conn, user_id, None)?
            .into_iter()
            .map(|row| QualificationView::new(row, today))
            .collect(),
        conflicts: store::conflicts(conn, user_id, None)?
            .into_iter()
            .map(ConflictView::from)
            .collect(),
        user_id: user.id,
        full_name: user.full_name,
    })
}

/// Records a qualification (admins), after checking it against the catalogue.
pub fn add_qualification(
    tx: &mut Tx<'_>,
    caller: &Caller,
    user_id: &UserId,
    input: QualificationInput,
) -> AppResult<QualificationView> {
    caller.require_role(&[Role::Admin])?;
    let user = staff_member(tx.conn, user_id)?;
    if user.role != Role::Auditor {
        return Err(AppError::invalid(
            "user_id",
            "qualifications are for users with the auditor role",
        ));
    }
    let mut checker = Checker::new();
    let standard = standards::store::find(tx.conn, &input.standard_id)?;
    checker.check(
        "standard_id",
        standard
            .map(|_| ())
            .ok_or_else(|| "no standard has this id".to_owned()),
    );
    let codes = checker.check(
        "sector_codes",
        standards::domain::check_sector_codes(&input.sector_codes).and_then(|codes| {
            if codes.is_empty() {
                Err("name at least one sector code".into())
            } else {
                Ok(codes)
            }
        }),
    );
    if input.valid_until < input.valid_from {
        checker.check::<()>("valid_until", Err("must not be before valid_from".into()));
    }
    let codes = checker.finish(codes)?;
    let row = Qualification {
        id: QualificationId::generate(),
        user_id: user_id.clone(),
        standard_id: input.standard_id,
        grade: input.grade,
        sector_codes: crate::db::types::Json(codes),
        valid_from: input.valid_from,
        valid_until: input.valid_until,
        created_by: caller.user_id.clone(),
        created_at: tx.now(),
    };
    store::insert_qualification(tx.conn, &row)?;
    tx.record(Change {
        entity_type: ENTITY,
        entity_id: user_id.as_str(),
        organisation_id: None,
        action: "qualified",
        before: None,
        after: Some(json!({"standard_id": row.standard_id, "grade": row.grade,
            "sector_codes": row.sector_codes.0, "valid_from": row.valid_from,
            "valid_until": row.valid_until})),
    })?;
    Ok(QualificationView::new(row, tx.today()))
}

/// Records a conflict of interest with a client, declared by the person or an admin.
pub fn declare_conflict(
    tx: &mut Tx<'_>,
    caller: &Caller,
    user_id: &UserId,
    input: ConflictInput,
) -> AppResult<ConflictView> {
    ensure_admin_or_self(caller, user_id)?;
    staff_member(tx.conn, user_id)?;
    let mut checker = Checker::new();
    let client = accounts::find_organisation(tx.conn, input.organisation_id.as_str())?;
    checker.check(
        "organisation_id",
        client
            .map(|_| ())
            .ok_or_else(|| "no client organisation has this id".to_owned()),
    );
    let reason = checker.check("reason", required_text(&input.reason, 1000));
    if input
        .valid_until
        .is_some_and(|until| until < input.valid_from)
    {
        checker.check::<()>("valid_until", Err("must not be before valid_from".into()));
    }
    let reason = checker.finish(reason)?;
    let row = Conflict {
        id: ConflictId::generate(),
        user_id: user_id.clone(),
        organisation_id: input.organisation_id,
        reason,
        valid_from: input.valid_from,
        valid_until: input.valid_until,
        declared_by: caller.user_id.clone(),
        declared_at: tx.now(),
    };
    store::insert_conflict(tx.conn, &row)?;
    tx.record(Change {
        entity_type: ENTITY,
        entity_id: user_id.as_str(),
        organisation_id: None,
        action: "conflict_declared",
        before: None,
        after: Some(
            json!({"organisation_id": row.organisation_id, "reason": row.reason,
            "valid_from": row.valid_from, "valid_until": row.valid_until}),
        ),
    })?;
    Ok(ConflictView::from(row))
}

/// Why `user` may not work for `client` between `starts_on` and `ends_on`, if they may
/// not: a declared conflict, or management-system consultancy the client reported from
/// this person within the last two years (17021-1 5.2.10). Meant for the decisions and
/// complaints stages too.
pub fn conflict_with(
    conn: &mut DbConnection,
    user: &accounts::User,
    client: &OrganisationId,
    (starts_on, ends_on): (NaiveDate, NaiveDate),
) -> AppResult<Option<String>> {
    if let Some(declared) = store::conflicts(conn, &user.id, Some(client))?
        .into_iter()
        .find(|c| c.period().overlaps(starts_on, ends_on))
    {
        return Ok(Some(format!(
            "{} declared a conflict of interest with this client: {}",
            user.full_name, declared.reason
        )));
    }
    let consulted = store::consultancy_received(conn, client)?
        .into_iter()
        .filter(|c| c.kind == ConsultancyKind::CbPersonnel)
        .find(|c| {
            c.person
                .as_deref()
                .is_some_and(|person| names_person(person, &user.full_name, &user.email))
                && consultancy_bar(c.ended_on).overlaps(starts_on, ends_on)
        });
    Ok(consulted.map(|c| {
        format!(
            "{} gave this client management-system consultancy ({}) within the last {CONSULTANCY_BAR_YEARS} years (ISO/IEC 17021-1 5.2.10)",
            user.full_name, c.provider
        )
    }))
}

/// The audit a person is checked for: its standard, client and dates.
pub struct Assignment<'a> {
    pub standard_id: &'a StandardId,
    pub organisation_id: &'a OrganisationId,
    pub dates: (NaiveDate, NaiveDate),
}

/// Checks one prospective team member: an active staff user, qualified for `role` on the
/// audit's standard and dates, without a conflict with the client. The sector codes their
/// qualification covers, or why not (a 422 naming `field`).
pub fn check_member(
    conn: &mut DbConnection,
    field: &str,
    (user_id, role): (&UserId, TeamRole),
    audit: &Assignment<'_>,
) -> AppResult<Vec<u8>> {
    let user = accounts::find_user(conn, user_id)?
        .filter(|user| user.active && user.role.is_staff())
        .ok_or_else(|| AppError::invalid(field, "no active staff member has this id"))?;
    if role != TeamRole::Observer && user.role != Role::Auditor {
        return Err(AppError::invalid(
            field,
            format!("{} is not an auditor", user.full_name),
        ));
    }
    if let Some(conflict) = conflict_with(conn, &user, audit.organisation_id, audit.dates)? {
        return Err(AppError::invalid(field, conflict));
    }
    let held: Vec<Competence> = store::qualifications(conn, user_id, Some(audit.standard_id))?
        .iter()
        .map(Qualification::competence)
        .collect();
    qualifies(&held, role, audit.dates.0, audit.dates.1)
        .map_err(|why| AppError::invalid(field, format!("{} {why}", user.full_name)))
}

/// Mails each holder, and the admins, when a qualification comes within 90, 60 and 30 days
/// of lapsing; each reminder once. Returns how many reminders went out.
pub fn remind_lapses(tx: &mut Tx<'_>) -> AppResult<usize> {
    let today = tx.today();
    let horizon = today + TimeDelta::days(LAPSE_REMINDERS[0]);
    let admins = accounts::active_users_with_role(tx.conn, Role::Admin)?;
    let mut sent = 0;
    for (qualification, full_name, email) in store::lapsing(tx.conn, today, horizon)? {
        let Some(days) = lapse_reminder_due(qualification.valid_until, today) else {
            continue;
        };
        let notice = format!("lapse-{days}");
        if !first_notice(tx.conn, qualification.id.as_str(), &notice, tx.now())? {
            continue;
        }
        let standard = standards::store::get(tx.conn, &qualification.standard_id)?;
        let recipients = std::iter::once((full_name.clone(), email)).chain(
            admins
                .iter()
                .map(|a| (a.full_name.clone(), a.email.clone())),
        );
        for (recipient_name, address) in recipients {
            tx.mail(
                &address,
                "qualification_lapsing",
                json!({
                    "recipient_name": recipient_name,
                    "holder_name": full_name,
                    "grade": qualification.grade.label(),
                    "standard": standard.designation(),
                    "valid_until": qualification.valid_until,
                    "days": days,
                    "user_id": qualification.user_id,
                }),
            )?;
        }
        sent += 1;
    }
    Ok(sent)
}
