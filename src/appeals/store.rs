//! Storage of appeals.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::domain::{AppealState, AppealSubject};
use super::AppealId;
use crate::accounts::{OrganisationId, UserId};
use crate::certificates::CertificateId;
use crate::db::schema::appeals;
use crate::db::DbConnection;
use crate::decisions::DecisionId;
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = appeals)]
pub struct Appeal {
    pub id: AppealId,
    pub reference: String,
    pub organisation_id: OrganisationId,
    pub subject: AppealSubject,
    pub decision_id: Option<DecisionId>,
    pub certificate_id: Option<CertificateId>,
    /// The revision a scope reduction issued (the current one when appealed); the one
    /// before it is what a remedy restores.
    pub certificate_revision: Option<i64>,
    /// Who took the appealed decision, and when.
    pub decided_by: Option<UserId>,
    pub decided_at: NaiveDateTime,
    pub grounds: String,
    pub filed_by: UserId,
    pub state: AppealState,
    pub handler_id: Option<UserId>,
    pub outcome_note: Option<String>,
    pub remedied_by: Option<UserId>,
    pub remedy: Option<String>,
    pub filed_at: NaiveDateTime,
    pub acknowledge_by: NaiveDate,
    pub resolve_by: NaiveDate,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub decided_at_on_appeal: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, appeal: &Appeal) -> AppResult<()> {
    diesel::insert_into(appeals::table)
        .values(appeal)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &AppealId) -> AppResult<Option<Appeal>> {
    crate::at_most_one!(conn, appeals::table.find(id).select(Appeal::as_select()))
}

/// Appeals of the same decision: of the same refusal, or of the same kind of decision on
/// the same certificate.
pub fn of_subject(
    conn: &mut DbConnection,
    subject: AppealSubject,
    (decision, certificate): (Option<&DecisionId>, Option<&CertificateId>),
) -> AppResult<Vec<Appeal>> {
    let mut query = appeals::table
        .filter(appeals::subject.eq(subject))
        .into_boxed();
    if let Some(decision) = decision {
        query = query.filter(appeals::decision_id.eq(decision.clone()));
    }
    if let Some(certificate) = certificate {
        query = query.filter(appeals::certificate_id.eq(certificate.clone()));
    }
    Ok(query.select(Appeal::as_select()).load(conn)?)
}

pub fn set_state(
    conn: &mut DbConnection,
    id: &AppealId,
    (from, to): (AppealState, AppealState),
    note: Option<&str>,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let target = appeals::table.find(id).filter(appeals::state.eq(from));
    let updated = match to {
        AppealState::Acknowledged => diesel::update(target)
            .set((
                appeals::state.eq(to),
                appeals::acknowledged_at.eq(at),
                appeals::updated_at.eq(at),
            ))
            .execute(conn)?,
        AppealState::Upheld | AppealState::Rejected => diesel::update(target)
            .set((
                appeals::state.eq(to),
                appeals::outcome_note.eq(note),
                appeals::decided_at_on_appeal.eq(at),
                appeals::updated_at.eq(at),
            ))
            .execute(conn)?,
        AppealState::Remedied => diesel::update(target)
            .set((
                appeals::state.eq(to),
                appeals::remedy.eq(note),
                appeals::updated_at.eq(at),
            ))
            .execute(conn)?,
        AppealState::Received | AppealState::Reviewing => diesel::update(target)
            .set((appeals::state.eq(to), appeals::updated_at.eq(at)))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

pub fn set_handler(conn: &mut DbConnection, id: &AppealId, handler: &UserId) -> AppResult<()> {
    diesel::update(appeals::table.find(id))
        .set(appeals::handler_id.eq(handler))
        .execute(conn)?;
    Ok(())
}

pub fn set_remedied_by(conn: &mut DbConnection, id: &AppealId, by: &UserId) -> AppResult<()> {
    diesel::update(appeals::table.find(id))
        .set(appeals::remedied_by.eq(by))
        .execute(conn)?;
    Ok(())
}

pub fn list(
    conn: &mut DbConnection,
    (organisation, state): (Option<&OrganisationId>, Option<AppealState>),
    page: PageRequest,
) -> AppResult<(Vec<Appeal>, i64)> {
    let filtered = || {
        let mut query = appeals::table.into_boxed();
        if let Some(organisation) = organisation {
            query = query.filter(appeals::organisation_id.eq(organisation.clone()));
        }
        if let Some(state) = state {
            query = query.filter(appeals::state.eq(state));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((appeals::filed_at.desc(), appeals::id))
            .select(Appeal::as_select())
    })
}

/// Every open appeal past a deadline on `today`, oldest first: not acknowledged past
/// `acknowledge_by`, or not decided (or, upheld, not remedied) past `resolve_by`.
pub fn open_past_deadline(conn: &mut DbConnection, today: NaiveDate) -> AppResult<Vec<Appeal>> {
    use AppealState::*;
    Ok(appeals::table
        .filter(
            appeals::state
                .eq(Received)
                .and(appeals::acknowledge_by.lt(today))
                .or(appeals::state
                    .eq_any([Received, Acknowledged, Reviewing, Upheld])
                    .and(appeals::resolve_by.lt(today))),
        )
        .order(appeals::filed_at.asc())
        .select(Appeal::as_select())
        .load(conn)?)
}
