//! Storage of organisations and users. Functions take a connection so callers decide the
//! transaction (`Db::write`) they run in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::domain::{generate_client_id, NewOrganisation, NewUser};
use super::{OrganisationId, UserId};
use crate::auth::Role;
use crate::db::schema::{organisations, users};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::pagination::{load_page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: OrganisationId,
    pub client_id: String,
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub website: Option<String>,
    pub confidential: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub organisation_id: Option<OrganisationId>,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
    pub tokens_valid_after: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What every authenticated request checks of its caller's account: role, organisation, and
/// whether the account still accepts the token. Only these columns, on the hot path.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct AccountStanding {
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub active: bool,
    pub tokens_valid_after: Option<NaiveDateTime>,
}

impl AccountStanding {
    /// Whether a token issued at `issued_at_ms` (milliseconds since the epoch) may still be used.
    pub fn accepts_token_issued_at(&self, issued_at_ms: i64) -> bool {
        self.active
            && self
                .tokens_valid_after
                .is_none_or(|after| issued_at_ms > after.and_utc().timestamp_millis())
    }
}

pub fn find_standing(conn: &mut DbConnection, id: &UserId) -> AppResult<Option<AccountStanding>> {
    crate::at_most_one!(
        conn,
        users::table.find(id).select(AccountStanding::as_select())
    )
}

pub fn insert_organisation(
    conn: &mut DbConnection,
    new: NewOrganisation,
) -> AppResult<Organisation> {
    let at = now();
    let org = Organisation {
        id: OrganisationId::generate(),
        client_id: generate_client_id(),
        legal_name: new.legal_name,
        trading_name: new.trading_name,
        street: new.street,
        city: new.city,
        postcode: new.postcode,
        country: new.country,
        website: new.website,
        confidential: false,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(organisations::table)
        .values(&org)
        .execute(conn)?;
    Ok(org)
}

/// Stores a new account; `password_hash` is the argon2 hash of `new.password`.
pub fn insert_user(
    conn: &mut DbConnection,
    id: UserId,
    new: NewUser,
    organisation: Option<&str>,
    password_hash: String,
) -> AppResult<User> {
    // Accept the organisation's id or its client id; store the id.
    let organisation_id = match organisation {
        Some(reference) => match find_organisation(conn, reference)? {
            Some(org) => Some(org.id),
            None => {
                return Err(AppError::invalid(
                    "organisation_id",
                    "no organisation has this id",
                ))
            }
        },
        None => None,
    };
    if find_user_by_email(conn, &new.email)?.is_some() {
        return Err(AppError::Conflict(
            "an account with this email already exists".into(),
        ));
    }
    let at = now();
    let user = User {
        id,
        organisation_id,
        email: new.email,
        full_name: new.full_name,
        role: new.role,
        password_hash,
        active: true,
        tokens_valid_after: None,
        created_at: at,
        updated_at: at,
    };
    // The unique index still guards a concurrent registration that passed the check above.
    diesel::insert_into(users::table)
        .values(&user)
        .execute(conn)
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict(_) => {
                AppError::Conflict("an account with this email already exists".into())
            }
            other => other,
        })?;
    Ok(user)
}

pub fn find_user(conn: &mut DbConnection, id: &UserId) -> AppResult<Option<User>> {
    crate::at_most_one!(conn, users::table.find(id).select(User::as_select()))
}

pub fn find_user_by_email(conn: &mut DbConnection, email: &str) -> AppResult<Option<User>> {
    crate::at_most_one!(
        conn,
        users::table
            .filter(users::email.eq(email))
            .select(User::as_select())
    )
}

/// Looks an organisation up by its id or its client id.
pub fn find_organisation(conn: &mut DbConnection, id: &str) -> AppResult<Option<Organisation>> {
    crate::at_most_one!(
        conn,
        organisations::table
            .filter(organisations::id.eq(id).or(organisations::client_id.eq(id)))
            .select(Organisation::as_select())
    )
}

#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub organisation_id: Option<OrganisationId>,
}

pub fn list_users(
    conn: &mut DbConnection,
    filter: &UserFilter,
    page: PageRequest,
) -> AppResult<(Vec<User>, i64)> {
    let filtered = || {
        let mut query = users::table.into_boxed();
        if let Some(role) = filter.role {
            query = query.filter(users::role.eq(role));
        }
        if let Some(active) = filter.active {
            query = query.filter(users::active.eq(active));
        }
        if let Some(org) = &filter.organisation_id {
            query = query.filter(users::organisation_id.eq(org.clone()));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((users::created_at.asc(), users::id.asc()))
            .select(User::as_select())
    })
}

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(fn coalesce(value: diesel::sql_types::Nullable<diesel::sql_types::Text>, fallback: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Default)]
pub struct OrganisationFilter {
    /// Lower-cased fragment of the legal or trading name.
    pub name_fragment: Option<String>,
    pub country: Option<String>,
}

pub fn list_organisations(
    conn: &mut DbConnection,
    filter: &OrganisationFilter,
    page: PageRequest,
) -> AppResult<(Vec<Organisation>, i64)> {
    let filtered = || {
        let mut query = organisations::table.into_boxed();
        if let Some(fragment) = &filter.name_fragment {
            // LIKE wildcards typed by the user are dropped, not interpreted.
            let pattern = format!("%{}%", fragment.replace(['\\', '%', '_'], ""));
            query = query.filter(
                lower(organisations::legal_name)
                    .like(pattern.clone())
                    .or(lower(coalesce(organisations::trading_name, "")).like(pattern)),
            );
        }
        if let Some(country) = &filter.country {
            query = query.filter(organisations::country.eq(country.clone()));
        }
        query
    };
    load_page(conn, filtered, page, |query| {
        query
            .order((organisations::legal_name.asc(), organisations::id.asc()))
            .select(Organisation::as_select())
    })
}

/// Marks an organisation confidential (not listed in the public directory) or not.
pub fn set_confidential(
    conn: &mut DbConnection,
    id: &OrganisationId,
    confidential: bool,
) -> AppResult<()> {
    diesel::update(organisations::table.find(id))
        .set(organisations::confidential.eq(confidential))
        .execute(conn)?;
    Ok(())
}

/// Activates or deactivates an account; 409 when it already is in that state. Deactivation
/// also voids every token issued so far, so reactivation does not revive them.
pub fn set_user_active(conn: &mut DbConnection, id: &UserId, active: bool) -> AppResult<User> {
    let user =
        find_user(conn, id)?.ok_or_else(|| AppError::NotFound("no user has this id".into()))?;
    if user.active == active {
        let state = if active { "active" } else { "deactivated" };
        return Err(AppError::Conflict(format!(
            "the account is already {state}"
        )));
    }
    let at = now();
    let tokens_valid_after = if active {
        user.tokens_valid_after
    } else {
        Some(at)
    };
    diesel::update(users::table.find(id))
        .set((
            users::active.eq(active),
            users::tokens_valid_after.eq(tokens_valid_after),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(User {
        active,
        tokens_valid_after,
        updated_at: at,
        ..user
    })
}

/// Everyone who currently holds `role` (e.g. the admins to tell of a new submission).
pub fn active_users_with_role(conn: &mut DbConnection, role: Role) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::role.eq(role))
        .filter(users::active.eq(true))
        .order(users::created_at.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// The active users of a client organisation (e.g. to tell them of a step on an application).
pub fn active_users_of_organisation(
    conn: &mut DbConnection,
    organisation_id: &OrganisationId,
) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::active.eq(true))
        .order(users::created_at.asc())
        .select(User::as_select())
        .load(conn)?)
}
