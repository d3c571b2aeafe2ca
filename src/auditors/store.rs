//! Storage of qualifications and declared conflicts of interest.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::domain::{Competence, Grade, Period};
use super::{ConflictId, QualificationId};
use crate::accounts::{OrganisationId, UserId};
use crate::applications::domain::Consultancy;
use crate::db::schema::{applications, auditor_qualifications, conflicts_of_interest, users};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::standards::StandardId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = auditor_qualifications)]
pub struct Qualification {
    pub id: QualificationId,
    pub user_id: UserId,
    pub standard_id: StandardId,
    pub grade: Grade,
    pub sector_codes: Json<Vec<u8>>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
}

impl Qualification {
    pub fn competence(&self) -> Competence {
        Competence {
            grade: self.grade,
            sector_codes: self.sector_codes.0.clone(),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = conflicts_of_interest)]
pub struct Conflict {
    pub id: ConflictId,
    pub user_id: UserId,
    pub organisation_id: OrganisationId,
    pub reason: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub declared_by: UserId,
    pub declared_at: NaiveDateTime,
}

impl Conflict {
    pub fn period(&self) -> Period {
        Period {
            from: self.valid_from,
            until: self.valid_until,
        }
    }
}

pub fn insert_qualification(conn: &mut DbConnection, row: &Qualification) -> AppResult<()> {
    diesel::insert_into(auditor_qualifications::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_conflict(conn: &mut DbConnection, row: &Conflict) -> AppResult<()> {
    diesel::insert_into(conflicts_of_interest::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A person's qualifications, latest expiry first; only for `standard` when given.
pub fn qualifications(
    conn: &mut DbConnection,
    user_id: &UserId,
    standard: Option<&StandardId>,
) -> AppResult<Vec<Qualification>> {
    let mut query = auditor_qualifications::table
        .filter(auditor_qualifications::user_id.eq(user_id))
        .order(auditor_qualifications::valid_until.desc())
        .select(Qualification::as_select())
        .into_boxed();
    if let Some(standard) = standard {
        query = query.filter(auditor_qualifications::standard_id.eq(standard));
    }
    Ok(query.load(conn)?)
}

/// A person's declared conflicts, with one client only when `organisation` is given.
pub fn conflicts(
    conn: &mut DbConnection,
    user_id: &UserId,
    organisation: Option<&OrganisationId>,
) -> AppResult<Vec<Conflict>> {
    let mut query = conflicts_of_interest::table
        .filter(conflicts_of_interest::user_id.eq(user_id))
        .order(conflicts_of_interest::valid_from.desc())
        .select(Conflict::as_select())
        .into_boxed();
    if let Some(organisation) = organisation {
        query = query.filter(conflicts_of_interest::organisation_id.eq(organisation));
    }
    Ok(query.load(conn)?)
}

/// The consultancy a client reported in any of its applications.
pub fn consultancy_received(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
) -> AppResult<Vec<Consultancy>> {
    let rows: Vec<Json<Vec<Consultancy>>> = applications::table
        .filter(applications::organisation_id.eq(organisation))
        .select(applications::consultancy)
        .load(conn)?;
    Ok(rows.into_iter().flat_map(|row| row.0).collect())
}

/// Qualifications valid until a day from `from` to `until`, with their holder's name and
/// address, for the lapse reminders.
pub fn lapsing(
    conn: &mut DbConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> AppResult<Vec<(Qualification, String, String)>> {
    Ok(auditor_qualifications::table
        .inner_join(users::table)
        .filter(auditor_qualifications::valid_until.ge(from))
        .filter(auditor_qualifications::valid_until.le(until))
        .filter(users::active.eq(true))
        .select((Qualification::as_select(), users::full_name, users::email))
        .load(conn)?)
}
