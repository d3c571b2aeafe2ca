//! Storage of applications, their sites and reviews.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::domain::{
    ApplicationState, Consultancy, CurrentCertification, OtherPartyProcess, ServiceInScope,
    TransferReview,
};
use super::{ApplicationId, SiteId};
use crate::accounts::{OrganisationId, UserId};
use crate::db::schema::{application_reviews, application_sites, applications, standards};
use crate::db::types::Json;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::pagination::{load_page, PageRequest};
use crate::programmes::domain::{
    Adjustment, AuditTime, BeyondTable, ComplexityChoice, EffectivePersonnel,
};
use crate::standards::StandardId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = applications)]
// An edit that removes an optional field (a transfer's certificate) must clear the column.
#[diesel(treat_none_as_null = true)]
pub struct Application {
    pub id: ApplicationId,
    pub organisation_id: OrganisationId,
    pub standard_id: StandardId,
    pub state: ApplicationState,
    pub scope_statement: String,
    pub total_personnel: i64,
    pub sector_codes: Json<Vec<u8>>,
    pub services_in_scope: Json<Vec<ServiceInScope>>,
    /// The processes other parties operate (ISO/IEC 20000-1 8.2.3); the column kept its
    /// first name, from when they were free text.
    pub outsourced_processes: Json<Vec<OtherPartyProcess>>,
    pub consultancy: Json<Vec<Consultancy>>,
    pub current_certification: Option<Json<CurrentCertification>>,
    pub state_note: Option<String>,
    pub created_by: UserId,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = application_sites)]
pub struct Site {
    pub id: SiteId,
    pub application_id: ApplicationId,
    pub position: i64,
    pub name: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub headcount: i64,
    pub is_central: bool,
    pub scope: Option<String>,
    /// The review's risk score for the site (1 low to 5 high) and why; the CB's internal
    /// judgement, never shown to the client.
    pub risk_score: Option<i64>,
    pub risk_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = application_reviews)]
pub struct Review {
    pub application_id: ApplicationId,
    pub information_sufficient: bool,
    pub scope_clear: bool,
    pub competence_available: bool,
    pub impartiality_threats: Json<Vec<String>>,
    pub threats_addressed: bool,
    pub notes: Option<String>,
    pub adjustments: Json<Vec<Adjustment>>,
    pub audit_time: Json<AuditTime>,
    pub sampled_site_ids: Json<Vec<SiteId>>,
    pub reviewer_id: UserId,
    pub updated_at: NaiveDateTime,
    /// Days entered for personnel beyond the table's last band.
    pub beyond_table: Option<Json<BeyondTable>>,
    /// The pre-transfer review of a transfer (IAF MD 2).
    pub transfer: Option<Json<TransferReview>>,
    /// How effective personnel were counted; absent on reviews from before it was recorded.
    pub personnel: Option<Json<EffectivePersonnel>>,
    /// The complexity category chosen for a table that has them.
    pub complexity: Option<Json<ComplexityChoice>>,
}

/// An application row with its standard's code and edition, as the joined queries load it.
type WithStandard = (Application, (String, String));

/// An application with what every view of it shows: its standard's designation and its sites.
#[derive(Debug, Clone)]
pub struct ApplicationDetail {
    pub application: Application,
    pub standard: String,
    pub sites: Vec<Site>,
}

pub fn insert(conn: &mut DbConnection, application: &Application, sites: &[Site]) -> AppResult<()> {
    diesel::insert_into(applications::table)
        .values(application)
        .execute(conn)?;
    insert_sites(conn, sites)
}

fn insert_sites(conn: &mut DbConnection, sites: &[Site]) -> AppResult<()> {
    for site in sites {
        diesel::insert_into(application_sites::table)
            .values(site)
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the content (and the sites) of an application.
pub fn update(conn: &mut DbConnection, application: &Application, sites: &[Site]) -> AppResult<()> {
    diesel::update(applications::table.find(&application.id))
        .set(application)
        .execute(conn)?;
    diesel::delete(
        application_sites::table.filter(application_sites::application_id.eq(&application.id)),
    )
    .execute(conn)?;
    insert_sites(conn, sites)
}

pub fn find(conn: &mut DbConnection, id: &ApplicationId) -> AppResult<Option<Application>> {
    crate::at_most_one!(
        conn,
        applications::table
            .find(id)
            .select(Application::as_select())
    )
}

/// The application, its standard and its sites: two queries.
pub fn find_detail(
    conn: &mut DbConnection,
    id: &ApplicationId,
) -> AppResult<Option<ApplicationDetail>> {
    let found: Option<WithStandard> = crate::at_most_one!(
        conn,
        applications::table
            .inner_join(standards::table)
            .filter(applications::id.eq(id))
            .select((
                Application::as_select(),
                (standards::code, standards::edition),
            ))
    )?;
    let Some((application, (code, edition))) = found else {
        return Ok(None);
    };
    let sites = sites(conn, id)?;
    Ok(Some(ApplicationDetail {
        application,
        standard: format!("{code}:{edition}"),
        sites,
    }))
}

pub fn sites(conn: &mut DbConnection, application_id: &ApplicationId) -> AppResult<Vec<Site>> {
    crate::all_rows!(
        conn,
        application_sites::table
            .filter(application_sites::application_id.eq(application_id))
            .order(application_sites::position.asc())
            .select(Site::as_select())
    )
}

/// Moves the application from `from` to `to`, only if it is still in `from`.
pub fn set_state(
    conn: &mut DbConnection,
    id: &ApplicationId,
    from: ApplicationState,
    to: ApplicationState,
    note: Option<&str>,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let guarded = applications::table
        .find(id)
        .filter(applications::state.eq(from));
    let changed = if to == ApplicationState::Submitted {
        diesel::update(guarded)
            .set((
                applications::state.eq(to),
                applications::state_note.eq(note),
                applications::updated_at.eq(at),
                applications::submitted_at.eq(at),
            ))
            .execute(conn)?
    } else {
        diesel::update(guarded)
            .set((
                applications::state.eq(to),
                applications::state_note.eq(note),
                applications::updated_at.eq(at),
            ))
            .execute(conn)?
    };
    Ok(changed == 1)
}

#[derive(Debug, Default)]
pub struct ApplicationFilter {
    pub organisation_id: Option<OrganisationId>,
    pub state: Option<ApplicationState>,
    pub standard_id: Option<StandardId>,
    pub created_from: Option<NaiveDateTime>,
    pub created_before: Option<NaiveDateTime>,
}

/// One page of applications with their standards and sites: three queries, whatever the
/// page size (the count, the page joined with its standards, every site of the page).
pub fn list(
    conn: &mut DbConnection,
    filter: &ApplicationFilter,
    page: PageRequest,
) -> AppResult<(Vec<ApplicationDetail>, i64)> {
    let filtered = || {
        let mut query = applications::table
            .inner_join(standards::table)
            .into_boxed();
        if let Some(organisation_id) = &filter.organisation_id {
            query = query.filter(applications::organisation_id.eq(organisation_id.clone()));
        }
        if let Some(state) = filter.state {
            query = query.filter(applications::state.eq(state));
        }
        if let Some(standard_id) = &filter.standard_id {
            query = query.filter(applications::standard_id.eq(standard_id.clone()));
        }
        if let Some(from) = filter.created_from {
            query = query.filter(applications::created_at.ge(from));
        }
        if let Some(before) = filter.created_before {
            query = query.filter(applications::created_at.lt(before));
        }
        query
    };
    let (rows, total): (Vec<WithStandard>, i64) = load_page(conn, filtered, page, |query| {
        query
            .order((applications::created_at.desc(), applications::id.asc()))
            .select((
                Application::as_select(),
                (standards::code, standards::edition),
            ))
    })?;
    let ids: Vec<&ApplicationId> = rows.iter().map(|(a, _)| &a.id).collect();
    let mut sites_by_application: HashMap<ApplicationId, Vec<Site>> = HashMap::new();
    for site in application_sites::table
        .filter(application_sites::application_id.eq_any(ids))
        .order((
            application_sites::application_id.asc(),
            application_sites::position.asc(),
        ))
        .select(Site::as_select())
        .load(conn)?
    {
        sites_by_application
            .entry(site.application_id.clone())
            .or_default()
            .push(site);
    }
    let details = rows
        .into_iter()
        .map(|(application, (code, edition))| ApplicationDetail {
            sites: sites_by_application
                .remove(&application.id)
                .unwrap_or_default(),
            application,
            standard: format!("{code}:{edition}"),
        })
        .collect();
    Ok((details, total))
}

pub fn find_review(
    conn: &mut DbConnection,
    application_id: &ApplicationId,
) -> AppResult<Option<Review>> {
    crate::at_most_one!(
        conn,
        application_reviews::table
            .find(application_id)
            .select(Review::as_select())
    )
}

/// Records the review's risk per site (`None` clears it).
pub fn set_site_risk(
    conn: &mut DbConnection,
    site_id: &SiteId,
    risk: Option<(i64, &str)>,
) -> AppResult<()> {
    diesel::update(application_sites::table.find(site_id))
        .set((
            application_sites::risk_score.eq(risk.map(|(score, _)| score)),
            application_sites::risk_reason.eq(risk.map(|(_, reason)| reason)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Discards the review: the content it judged has changed.
pub fn delete_review(conn: &mut DbConnection, application_id: &ApplicationId) -> AppResult<bool> {
    Ok(diesel::delete(application_reviews::table.find(application_id)).execute(conn)? > 0)
}

pub fn save_review(conn: &mut DbConnection, review: &Review) -> AppResult<()> {
    delete_review(conn, &review.application_id)?;
    diesel::insert_into(application_reviews::table)
        .values(review)
        .execute(conn)?;
    Ok(())
}
