//! Storage of certification decisions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::domain::DecisionOutcome;
use super::DecisionId;
use crate::accounts::{OrganisationId, UserId};
use crate::db::schema::decisions;
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::programmes::ProgrammeId;

/// A site and the scope a grant certified there, as the decision recorded it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SiteScope {
    pub site_id: crate::applications::SiteId,
    pub name: String,
    pub scope: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions)]
pub struct Decision {
    pub id: DecisionId,
    pub programme_id: ProgrammeId,
    pub organisation_id: OrganisationId,
    pub cycle: i64,
    pub outcome: DecisionOutcome,
    pub rationale: String,
    pub site_scopes: Json<Vec<SiteScope>>,
    pub decided_by: UserId,
    pub decided_on: NaiveDate,
    pub decided_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, decision: &Decision) -> AppResult<()> {
    diesel::insert_into(decisions::table)
        .values(decision)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &DecisionId) -> AppResult<Option<Decision>> {
    crate::at_most_one!(
        conn,
        decisions::table
            .filter(decisions::id.eq(id))
            .select(Decision::as_select())
    )
}

/// The decisions on a programme, oldest first.
pub fn of_programme(conn: &mut DbConnection, programme: &ProgrammeId) -> AppResult<Vec<Decision>> {
    Ok(decisions::table
        .filter(decisions::programme_id.eq(programme))
        .order(decisions::decided_at.asc())
        .select(Decision::as_select())
        .load(conn)?)
}
