//! Storage of applications, their sites, reviews and audit programmes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::domain::{ApplicationState, PlannedAudit};
use crate::db::schema::{
    application_reviews, application_sites, applications, audit_programmes, programme_audits,
};
use crate::db::{new_id, DbConnection};
use crate::error::{AppError, AppResult};
use crate::pagination::{load_page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub organisation_id: String,
    pub standard_id: String,
    pub state: String,
    pub scope_statement: String,
    pub total_personnel: i64,
    /// JSON arrays and objects, as the domain types serialise them.
    pub sector_codes: String,
    pub services_in_scope: String,
    pub outsourced_processes: String,
    pub consultancy: String,
    pub current_certification: Option<String>,
    pub state_note: Option<String>,
    pub created_by: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Application {
    pub fn state(&self) -> AppResult<ApplicationState> {
        ApplicationState::parse(&self.state)
            .ok_or_else(|| AppError::internal(format!("unknown state {:?}", self.state)))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = application_sites)]
pub struct Site {
    pub id: String,
    pub application_id: String,
    pub position: i64,
    pub name: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub headcount: i64,
    pub is_central: bool,
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = application_reviews)]
pub struct Review {
    pub application_id: String,
    pub information_sufficient: bool,
    pub scope_clear: bool,
    pub competence_available: bool,
    pub impartiality_threats: String,
    pub threats_addressed: bool,
    pub notes: Option<String>,
    pub adjustments: String,
    pub audit_time: String,
    pub sampled_site_ids: String,
    pub reviewer_id: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_programmes)]
pub struct Programme {
    pub id: String,
    pub application_id: String,
    pub organisation_id: String,
    pub standard_id: String,
    pub decision_date: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = programme_audits)]
pub struct ProgrammeAudit {
    pub id: String,
    pub programme_id: String,
    pub kind: String,
    pub position: i64,
    pub window_start: String,
    pub window_end: String,
    pub planned_days: f64,
    pub provisional: bool,
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

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<Application>> {
    Ok(applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()?)
}

pub fn sites(conn: &mut DbConnection, application_id: &str) -> AppResult<Vec<Site>> {
    Ok(application_sites::table
        .filter(application_sites::application_id.eq(application_id))
        .order(application_sites::position.asc())
        .select(Site::as_select())
        .load(conn)?)
}

/// Moves the application from `from` to `to`, only if it is still in `from`.
pub fn set_state(
    conn: &mut DbConnection,
    id: &str,
    from: ApplicationState,
    to: ApplicationState,
    note: Option<&str>,
    at: NaiveDateTime,
) -> AppResult<()> {
    let submitted_at = (to == ApplicationState::Submitted).then_some(at);
    let changed = diesel::update(
        applications::table
            .find(id)
            .filter(applications::state.eq(from.as_str())),
    )
    .set((
        applications::state.eq(to.as_str()),
        applications::state_note.eq(note),
        applications::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(AppError::Conflict(
            "the application changed meanwhile; reload it".into(),
        ));
    }
    if let Some(submitted_at) = submitted_at {
        diesel::update(applications::table.find(id))
            .set(applications::submitted_at.eq(submitted_at))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Default)]
pub struct ApplicationFilter {
    pub organisation_id: Option<String>,
    pub state: Option<ApplicationState>,
    pub standard_id: Option<String>,
    pub created_from: Option<NaiveDateTime>,
    pub created_before: Option<NaiveDateTime>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &ApplicationFilter,
    page: PageRequest,
) -> AppResult<(Vec<Application>, i64)> {
    let filtered = || {
        let mut query = applications::table.into_boxed();
        if let Some(organisation_id) = &filter.organisation_id {
            query = query.filter(applications::organisation_id.eq(organisation_id.clone()));
        }
        if let Some(state) = filter.state {
            query = query.filter(applications::state.eq(state.as_str()));
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
    load_page(conn, filtered, page, |query| {
        query
            .order((applications::created_at.desc(), applications::id.asc()))
            .select(Application::as_select())
    })
}

pub fn find_review(conn: &mut DbConnection, application_id: &str) -> AppResult<Option<Review>> {
    Ok(application_reviews::table
        .find(application_id)
        .select(Review::as_select())
        .first(conn)
        .optional()?)
}

/// Discards the review: the content it judged has changed.
pub fn delete_review(conn: &mut DbConnection, application_id: &str) -> AppResult<bool> {
    Ok(diesel::delete(application_reviews::table.find(application_id)).execute(conn)? > 0)
}

pub fn save_review(conn: &mut DbConnection, review: &Review) -> AppResult<()> {
    delete_review(conn, &review.application_id)?;
    diesel::insert_into(application_reviews::table)
        .values(review)
        .execute(conn)?;
    Ok(())
}

pub fn insert_programme(
    conn: &mut DbConnection,
    programme: &Programme,
    plan: &[PlannedAudit],
) -> AppResult<()> {
    diesel::insert_into(audit_programmes::table)
        .values(programme)
        .execute(conn)?;
    for (position, audit) in plan.iter().enumerate() {
        let row = ProgrammeAudit {
            id: new_id(),
            programme_id: programme.id.clone(),
            kind: audit.kind.as_str().to_owned(),
            position: position as i64 + 1,
            window_start: audit.window_start.to_string(),
            window_end: audit.window_end.to_string(),
            planned_days: audit.days,
            provisional: audit.provisional,
        };
        diesel::insert_into(programme_audits::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_programme(
    conn: &mut DbConnection,
    application_id: &str,
) -> AppResult<Option<(Programme, Vec<ProgrammeAudit>)>> {
    let programme: Option<Programme> = audit_programmes::table
        .filter(audit_programmes::application_id.eq(application_id))
        .select(Programme::as_select())
        .first(conn)
        .optional()?;
    let Some(programme) = programme else {
        return Ok(None);
    };
    let audits = programme_audits::table
        .filter(programme_audits::programme_id.eq(&programme.id))
        .order(programme_audits::position.asc())
        .select(ProgrammeAudit::as_select())
        .load(conn)?;
    Ok(Some((programme, audits)))
}
