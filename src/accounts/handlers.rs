//! HTTP handlers: parse, authorise, call the domain and the store, map to a response.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use tracing_actix_web::RequestId;

use super::domain::{normalise_email, validate_account, AccountFields, NewOrganisation, NewUser};
use super::dto::*;
use super::store::{self, OrganisationFilter, User, UserFilter};
use crate::auth::rate_limit::AuthLimits;
use crate::auth::token::TokenKeys;
use crate::auth::{password, Caller, ObjectScope, Role, StaffAccess};
use crate::db::Db;
use crate::error::{AppError, AppResult, Problem};
use crate::notify::Notifier;
use crate::pagination::{Page, PageRequest};
use crate::trail::{self, Actor, Change};
use crate::validate::Checker;
use crate::web::json::ApiJson;

/// Register a client organisation and its first user (role `applicant`).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Organisation and user created", body = RegistrationView),
        (status = 409, description = "An account with this email exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    req: HttpRequest,
    db: web::Data<Db>,
    notifier: web::Data<Notifier>,
    limits: web::Data<AuthLimits>,
    request_id: RequestId,
    body: ApiJson<RegisterRequest>,
) -> AppResult<HttpResponse> {
    limits.admit_registration(&client_ip(&req))?;
    let body = body.into_inner();
    let mut checker = Checker::new();
    let organisation = NewOrganisation::check(&body.organisation, "organisation", &mut checker);
    let user = NewUser::check(
        &body.email,
        &body.full_name,
        Role::Applicant,
        &body.password,
        &mut checker,
    );
    let (organisation, user) =
        checker.finish(|| (organisation.expect("checked"), user.expect("checked")))?;
    let password_hash = password::hash_off_thread(user.password.clone()).await?;
    let (organisation, user) = db
        .write(move |conn| {
            let organisation = store::insert_organisation(conn, organisation)?;
            let user =
                store::insert_user(conn, user, Some(organisation.id.clone()), password_hash)?;
            let change = Change {
                entity_type: "organisation",
                entity_id: &organisation.id,
                organisation_id: Some(&organisation.id),
                action: "registered",
                before: None,
                after: Some(json!({
                    "legal_name": organisation.legal_name,
                    "client_id": organisation.client_id,
                    "country": organisation.country,
                    "applicant": {"id": user.id, "email": user.email},
                })),
            };
            trail::record(
                conn,
                &Actor::new_account(&user.id, Role::Applicant, request_id),
                change,
            )?;
            let context = json!({
                "recipient_name": user.full_name,
                "organisation_name": organisation.legal_name,
                "client_id": organisation.client_id,
            });
            notifier.enqueue(conn, &user.email, "registration_received", context)?;
            Ok((organisation, user))
        })
        .await?;
    tracing::info!(user_id = %user.id, organisation_id = %organisation.id, "applicant registered");
    Ok(HttpResponse::Created().json(RegistrationView {
        user: user.into(),
        organisation: organisation.into(),
    }))
}

/// Exchange email and password for an access token.
///
/// Unknown email, wrong password and deactivated account all answer the same 401.
/// Attempts are limited per client IP and per account (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "accounts", request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Invalid email or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn issue_token(
    req: HttpRequest,
    db: web::Data<Db>,
    keys: web::Data<TokenKeys>,
    limits: web::Data<AuthLimits>,
    body: ApiJson<TokenRequest>,
) -> AppResult<HttpResponse> {
    let TokenRequest {
        email,
        password: given,
    } = body.into_inner();
    let email = normalise_email(&email);
    limits.admit(&client_ip(&req), &email)?;

    let lookup = email.clone();
    let user = db
        .read(move |conn| store::find_user_by_email(conn, &lookup))
        .await?;
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    let password_ok = web::block(move || password::verify(&given, stored_hash.as_deref())).await?;
    match user {
        Some(user) if password_ok && user.active => {
            let token = keys.issue(&user.id, user.role()?, user.organisation_id.as_deref())?;
            Ok(HttpResponse::Ok().json(TokenResponse {
                access_token: token,
                token_type: "Bearer".into(),
                expires_in: keys.ttl().as_secs(),
            }))
        }
        _ => {
            limits.record_failure(&email);
            Err(AppError::Unauthorized("invalid email or password".into()))
        }
    }
}

/// The address rate limits count against: the TCP peer (a trusted-proxy setting for
/// `X-Forwarded-For` comes with the public endpoints).
fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string())
}

/// The signed-in user and, for client users, their organisation.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = MeView)))]
pub async fn me(db: web::Data<Db>, caller: Caller) -> AppResult<HttpResponse> {
    let (user, organisation) = db
        .read(move |conn| {
            let user = store::find_user(conn, &caller.user_id)?
                .ok_or_else(|| AppError::NotFound("no such user".into()))?;
            let organisation = match &caller.organisation_id {
                Some(id) => store::find_organisation(conn, id)?,
                None => None,
            };
            Ok((user, organisation))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MeView {
        user: user.into(),
        organisation: organisation.map(Into::into),
    }))
}

/// Validates, hashes and stores an account created by an admin (API) or an operator (CLI),
/// with its audit event and the mail telling the new user.
pub async fn create_account(
    db: &Db,
    notifier: &Notifier,
    actor: Actor,
    fields: AccountFields<'_>,
) -> AppResult<User> {
    let (user, organisation_id) = validate_account(fields)?;
    let password_hash = password::hash_off_thread(user.password.clone()).await?;
    let notifier = notifier.clone();
    db.write(move |conn| {
        let user = store::insert_user(conn, user, organisation_id, password_hash)?;
        let change = Change {
            entity_type: "user",
            entity_id: &user.id,
            organisation_id: user.organisation_id.as_deref(),
            action: "created",
            before: None,
            after: Some(json!({"email": user.email, "role": user.role, "organisation_id": user.organisation_id})),
        };
        trail::record(conn, &actor, change)?;
        let context = json!({"recipient_name": user.full_name, "role": user.role, "email": user.email});
        notifier.enqueue(conn, &user.email, "account_created", context)?;
        Ok(user)
    })
    .await
}

/// Create a staff account, or another user of an existing client organisation (admin only).
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = UserView),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An account with this email exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_user(
    db: web::Data<Db>,
    notifier: web::Data<Notifier>,
    caller: Caller,
    request_id: RequestId,
    body: ApiJson<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let body = body.into_inner();
    let fields = AccountFields {
        email: &body.email,
        full_name: &body.full_name,
        role: body.role,
        organisation_id: body.organisation_id.as_deref(),
        password: &body.password,
    };
    let user = create_account(&db, &notifier, Actor::user(&caller, request_id), fields).await?;
    tracing::info!(user_id = %user.id, role = %user.role, by = %caller.user_id, "account created");
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// List accounts, filtered by role, state and organisation (admin only).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(UserListQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = Page<UserView>),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_users(
    db: web::Data<Db>,
    caller: Caller,
    query: web::Query<UserListQuery>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.offset)?;
    let filter = UserFilter {
        role: query.role,
        active: query.active,
        organisation_id: query.organisation_id,
    };
    let (rows, total) = db
        .read(move |conn| store::list_users(conn, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(rows, total, page, UserView::from)))
}

/// One account (admin only).
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UserView),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_user(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let id = id.into_inner();
    let user = db.read(move |conn| store::find_user(conn, &id)).await?;
    let user = user.ok_or_else(|| AppError::NotFound("no user has this id".into()))?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// Deactivate an account: its tokens stop working at once (admin only; not yourself).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/deactivate", tag = "admin", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UserView),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already deactivated, or your own account", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn deactivate_user(
    db: web::Data<Db>,
    notifier: web::Data<Notifier>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let id = id.into_inner();
    if id == caller.user_id {
        return Err(AppError::Conflict(
            "you cannot deactivate your own account".into(),
        ));
    }
    set_active(&db, &notifier, Actor::user(&caller, request_id), id, false).await
}

/// Reactivate a deactivated account (admin only).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reactivate", tag = "admin", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UserView),
        (status = 403, description = "Caller is not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already active", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reactivate_user(
    db: web::Data<Db>,
    notifier: web::Data<Notifier>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    set_active(
        &db,
        &notifier,
        Actor::user(&caller, request_id),
        id.into_inner(),
        true,
    )
    .await
}

async fn set_active(
    db: &Db,
    notifier: &Notifier,
    actor: Actor,
    id: String,
    active: bool,
) -> AppResult<HttpResponse> {
    let notifier = notifier.clone();
    let user = db
        .write(move |conn| {
            let user = store::set_user_active(conn, &id, active)?;
            let change = Change {
                entity_type: "user",
                entity_id: &user.id,
                organisation_id: user.organisation_id.as_deref(),
                action: if active { "reactivated" } else { "deactivated" },
                before: Some(json!({"active": !active})),
                after: Some(json!({"active": active})),
            };
            trail::record(conn, &actor, change)?;
            let context = json!({"recipient_name": user.full_name, "email": user.email});
            let template = if active {
                "account_reactivated"
            } else {
                "account_deactivated"
            };
            notifier.enqueue(conn, &user.email, template, context)?;
            Ok(user)
        })
        .await?;
    tracing::info!(user_id = %user.id, active, "account state changed");
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// List client organisations (CB staff only).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrganisationListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Page<OrganisationView>),
        (status = 403, description = "Client users may not list organisations", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_organisations(
    db: web::Data<Db>,
    caller: Caller,
    query: web::Query<OrganisationListQuery>,
) -> AppResult<HttpResponse> {
    caller.require_role(&[
        Role::Admin,
        Role::Auditor,
        Role::DecisionMaker,
        Role::ComplaintHandler,
    ])?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.offset)?;
    let filter = OrganisationFilter {
        name_fragment: query
            .q
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty()),
        country: query.country.map(|c| c.trim().to_ascii_uppercase()),
    };
    let (rows, total) = db
        .read(move |conn| store::list_organisations(conn, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(rows, total, page, OrganisationView::from)))
}

/// One client organisation, by id or client id: staff see any, client users their own.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrganisationView),
        (status = 404, description = "Unknown, or another client's organisation", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_organisation(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let organisation = db
        .read(move |conn| store::find_organisation(conn, &id))
        .await?;
    let organisation = organisation.ok_or_else(|| AppError::NotFound("not found".into()))?;
    caller.ensure_may_access(ObjectScope {
        organisation_id: &organisation.id,
        staff: StaffAccess::AnyStaff,
    })?;
    Ok(HttpResponse::Ok().json(OrganisationView::from(organisation)))
}
