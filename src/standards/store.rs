//! Storage of the standards catalogue.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::domain::{AuditTimeBand, Complexity};
use super::StandardId;
use crate::accounts::UserId;
use crate::db::schema::{audit_time_bands, standard_clauses, standards};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = standards)]
pub struct Standard {
    pub id: StandardId,
    pub code: String,
    pub edition: String,
    pub title: String,
    pub max_reduction_percent: f64,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Where the audit-time table's figures come from.
    pub audit_time_source: String,
    /// Who confirmed the table against that source, and when; both unset until then.
    pub audit_time_confirmed_by: Option<UserId>,
    pub audit_time_confirmed_at: Option<NaiveDateTime>,
    /// The least share of audit time to be spent on site (IAF MD 4; the CB's choice).
    pub min_on_site_percent: f64,
}

impl Standard {
    /// Whether the CB has confirmed the audit-time table against its source.
    pub fn audit_time_confirmed(&self) -> bool {
        self.audit_time_confirmed_at.is_some()
    }

    /// How the standard is cited on certificates, e.g. `ISO/IEC 20000-1:2018`.
    pub fn designation(&self) -> String {
        format!("{}:{}", self.code, self.edition)
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = standard_clauses)]
pub struct Clause {
    pub standard_id: StandardId,
    pub clause: String,
    pub title: String,
    pub position: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_time_bands)]
struct BandRow {
    standard_id: StandardId,
    complexity: Complexity,
    min_personnel: i64,
    max_personnel: Option<i64>,
    initial_days: f64,
    surveillance_days: f64,
    recertification_days: f64,
}

pub fn list(conn: &mut DbConnection) -> AppResult<Vec<Standard>> {
    Ok(standards::table
        .order((standards::code.asc(), standards::edition.desc()))
        .select(Standard::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: &StandardId) -> AppResult<Option<Standard>> {
    crate::at_most_one!(
        conn,
        standards::table.find(id).select(Standard::as_select())
    )
}

/// The standard, or 404 naming what was looked for.
pub fn get(conn: &mut DbConnection, id: &StandardId) -> AppResult<Standard> {
    find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no standard has the id {id:?}")))
}

pub fn clauses(conn: &mut DbConnection, standard_id: &StandardId) -> AppResult<Vec<Clause>> {
    Ok(standard_clauses::table
        .filter(standard_clauses::standard_id.eq(standard_id))
        .order(standard_clauses::position.asc())
        .select(Clause::as_select())
        .load(conn)?)
}

pub fn bands(conn: &mut DbConnection, standard_id: &StandardId) -> AppResult<Vec<AuditTimeBand>> {
    let rows: Vec<BandRow> = audit_time_bands::table
        .filter(audit_time_bands::standard_id.eq(standard_id))
        .order((
            audit_time_bands::complexity.asc(),
            audit_time_bands::min_personnel.asc(),
        ))
        .select(BandRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| AuditTimeBand {
            complexity: row.complexity,
            min_personnel: row.min_personnel,
            max_personnel: row.max_personnel,
            initial_days: row.initial_days,
            surveillance_days: row.surveillance_days,
            recertification_days: row.recertification_days,
        })
        .collect())
}

/// Records that `by` confirmed the audit-time table against its source; false when it was
/// already confirmed.
pub fn confirm_audit_time(
    conn: &mut DbConnection,
    standard_id: &StandardId,
    by: &UserId,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let updated = diesel::update(
        standards::table
            .find(standard_id)
            .filter(standards::audit_time_confirmed_at.is_null()),
    )
    .set((
        standards::audit_time_confirmed_by.eq(by),
        standards::audit_time_confirmed_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn insert(conn: &mut DbConnection, standard: &Standard) -> AppResult<()> {
    if standards::table
        .filter(standards::code.eq(&standard.code))
        .filter(standards::edition.eq(&standard.edition))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        return Err(AppError::Conflict(format!(
            "{} is already in the catalogue",
            standard.designation()
        )));
    }
    diesel::insert_into(standards::table)
        .values(standard)
        .execute(conn)?;
    Ok(())
}

/// Replaces the clause list (each `(clause, title)` in order).
pub fn replace_clauses(
    conn: &mut DbConnection,
    standard_id: &StandardId,
    clauses: &[(String, String)],
) -> AppResult<()> {
    diesel::delete(standard_clauses::table.filter(standard_clauses::standard_id.eq(standard_id)))
        .execute(conn)?;
    for (position, (clause, title)) in clauses.iter().enumerate() {
        let row = Clause {
            standard_id: standard_id.clone(),
            clause: clause.clone(),
            title: title.clone(),
            position: position as i64 + 1,
        };
        diesel::insert_into(standard_clauses::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the audit-time table, its source and the largest allowed reduction. New figures
/// are unconfirmed until an admin confirms them against the source.
pub fn replace_audit_time(
    conn: &mut DbConnection,
    standard_id: &StandardId,
    source: &str,
    max_reduction_percent: f64,
    min_on_site_percent: f64,
    bands: &[AuditTimeBand],
) -> AppResult<()> {
    diesel::update(standards::table.find(standard_id))
        .set((
            standards::max_reduction_percent.eq(max_reduction_percent),
            standards::min_on_site_percent.eq(min_on_site_percent),
            standards::audit_time_source.eq(source),
            standards::audit_time_confirmed_by.eq(None::<UserId>),
            standards::audit_time_confirmed_at.eq(None::<NaiveDateTime>),
            standards::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    diesel::delete(audit_time_bands::table.filter(audit_time_bands::standard_id.eq(standard_id)))
        .execute(conn)?;
    for band in bands {
        let row = BandRow {
            standard_id: standard_id.clone(),
            complexity: band.complexity,
            min_personnel: band.min_personnel,
            max_personnel: band.max_personnel,
            initial_days: band.initial_days,
            surveillance_days: band.surveillance_days,
            recertification_days: band.recertification_days,
        };
        diesel::insert_into(audit_time_bands::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}
