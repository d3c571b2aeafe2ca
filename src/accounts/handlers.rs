//! HTTP handlers: parse, authorise, call the domain and the store, map to a response.

use actix_web::{web, HttpResponse};
use serde_json::json;
use tracing_actix_web::RequestId;

use super::domain::{normalise_email, validate_account, AccountFields, NewOrganisation, NewUser};
use super::dto::*;
use super::store::{self, OrganisationFilter, User, UserFilter};
use super::UserId;
use crate::auth::rate_limit::AuthLimits;
use crate::auth::token::TokenKeys;
use crate::auth::{password, Auth, Caller, ObjectScope, Role, StaffAccess};
use crate::error::{AppError, AppResult, Problem};
use crate::pagination::Page;
use crate::trail::{Actor, Change};
use crate::validate::Checker;
use crate::web::json::ApiJson;
use crate::web::ClientAddress;
use crate::workflow::Service;

/// Register a client organisation and its first user (role `applicant`).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Organisation and user created", body = RegistrationView),
        (status = 409, description = "An account with this email exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    client: ClientAddress,
    service: web::Data<Service>,
    limits: web::Data<AuthLimits>,
    request_id: RequestId,
    body: ApiJson<RegisterRequest>,
) -> AppResult<HttpResponse> {
    limits.admit_registration(client.as_str())?;
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
    let (organisation, user) = checker.finish((organisation, user))?;
    let password_hash = password::hash_off_thread(user.password.clone()).await?;
    // The new account is the actor: its id is known before the transaction starts.
    let user_id = UserId::generate();
    let actor = Actor::new_account(&user_id, Role::Applicant, request_id);
    let (organisation, user) = service
        .write_as(actor, move |tx| {
            let organisation = store::insert_organisation(tx.conn, organisation)?;
            let user = store::insert_user(
                tx.conn,
                user_id,
                user,
                Some(organisation.id.as_str()),
                password_hash,
            )?;
            tx.record(Change {
                entity_type: "organisation",
                entity_id: organisation.id.as_str(),
                organisation_id: Some(organisation.id.as_str()),
                action: "registered",
                before: None,
                after: Some(json!({
                    "legal_name": organisation.legal_name,
                    "client_id": organisation.client_id,
                    "country": organisation.country,
                    "applicant": {"id": user.id, "email": user.email},
                })),
            })?;
            let context = json!({
                "recipient_name": user.full_name,
                "organisation_name": organisation.legal_name,
                "client_id": organisation.client_id,
            });
            tx.mail(&user.email, "registration_received", context)?;
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
    client: ClientAddress,
    service: web::Data<Service>,
    keys: web::Data<TokenKeys>,
    limits: web::Data<AuthLimits>,
    body: ApiJson<TokenRequest>,
) -> AppResult<HttpResponse> {
    let TokenRequest {
        email,
        password: given,
    } = body.into_inner();
    let email = normalise_email(&email);
    limits.admit(client.as_str(), &email)?;

    let lookup = email.clone();
    let user = service
        .db()
        .run(move |conn| store::find_user_by_email(conn, &lookup))
        .await?;
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    let password_ok = web::block(move || password::verify(&given, stored_hash.as_deref())).await?;
    match user {
        Some(user) if password_ok && user.active => {
            let organisation_id = user.organisation_id.as_ref().map(|id| id.as_str());
            let token = keys.issue(user.id.as_str(), user.role, organisation_id)?;
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

/// The signed-in user and, for client users, their organisation.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = MeView)))]
pub async fn me(service: web::Data<Service>, auth: Auth) -> AppResult<HttpResponse> {
    let (user, organisation) = service
        .read_one(auth, |conn, caller| {
            let user = store::find_user(conn, &caller.user_id)?
                .ok_or_else(|| AppError::NotFound("no such user".into()))?;
            let organisation = match &caller.organisation_id {
                Some(id) => store::find_organisation(conn, id.as_str())?,
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
    service: &Service,
    actor: Actor,
    fields: AccountFields<'_>,
) -> AppResult<User> {
    let (user, organisation_id) = validate_account(fields)?;
    let password_hash = password::hash_off_thread(user.password.clone()).await?;
    service
        .write_as(actor, move |tx| {
            let user = store::insert_user(
                tx.conn,
                UserId::generate(),
                user,
                organisation_id.as_deref(),
                password_hash,
            )?;
            tx.record(Change {
                entity_type: "user",
                entity_id: user.id.as_str(),
                organisation_id: user.organisation_id.as_ref().map(|id| id.as_str()),
                action: "created",
                before: None,
                after: Some(json!({"email": user.email, "role": user.role, "organisation_id": user.organisation_id})),
            })?;
            let context =
                json!({"recipient_name": user.full_name, "role": user.role, "email": user.email});
            tx.mail(&user.email, "account_created", context)?;
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
    service: web::Data<Service>,
    auth: Auth,
    body: ApiJson<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    // A second trip, on purpose: the password is hashed between the role check and the
    // write, so nobody but an admin can make the server hash, and no lock is held meanwhile.
    let caller = service
        .read(auth, |_, caller| {
            caller.require_role(&[Role::Admin])?;
            Ok(caller.clone())
        })
        .await?;
    let body = body.into_inner();
    let fields = AccountFields {
        email: &body.email,
        full_name: &body.full_name,
        role: body.role,
        organisation_id: body.organisation_id.as_deref(),
        password: &body.password,
    };
    let user = create_account(&service, Actor::from(&caller), fields).await?;
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
    service: web::Data<Service>,
    auth: Auth,
    query: web::Query<UserListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let filter = UserFilter {
        role: query.role,
        active: query.active,
        organisation_id: query.organisation_id,
    };
    let page = service
        .page(
            auth,
            &[Role::Admin],
            (query.limit, query.offset),
            move |conn, _, page| store::list_users(conn, &filter, page),
        )
        .await?;
    Ok(HttpResponse::Ok().json(page.map(UserView::from)))
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
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    let user = service
        .read(auth, move |conn, caller| {
            caller.require_role(&[Role::Admin])?;
            store::find_user(conn, &id)?
                .ok_or_else(|| AppError::NotFound("no user has this id".into()))
        })
        .await?;
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
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    set_active(&service, auth, id.into_inner(), false).await
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
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    set_active(&service, auth, id.into_inner(), true).await
}

async fn set_active(
    service: &Service,
    auth: Auth,
    id: UserId,
    active: bool,
) -> AppResult<HttpResponse> {
    let user = service
        .write(auth, move |tx, caller| {
            caller.require_role(&[Role::Admin])?;
            if !active && id == caller.user_id {
                return Err(AppError::Conflict(
                    "you cannot deactivate your own account".into(),
                ));
            }
            let user = store::set_user_active(tx.conn, &id, active)?;
            tx.record(Change {
                entity_type: "user",
                entity_id: user.id.as_str(),
                organisation_id: user.organisation_id.as_ref().map(|id| id.as_str()),
                action: if active { "reactivated" } else { "deactivated" },
                before: Some(json!({"active": !active})),
                after: Some(json!({"active": active})),
            })?;
            let context = json!({"recipient_name": user.full_name, "email": user.email});
            let template = if active {
                "account_reactivated"
            } else {
                "account_deactivated"
            };
            tx.mail(&user.email, template, context)?;
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
    service: web::Data<Service>,
    auth: Auth,
    query: web::Query<OrganisationListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let country = crate::accounts::domain::country_filter(query.country.as_deref())?;
    let filter = OrganisationFilter {
        name_fragment: query
            .q
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty()),
        country,
    };
    let page = service
        .page(
            auth,
            &STAFF,
            (query.limit, query.offset),
            move |conn, _, page| store::list_organisations(conn, &filter, page),
        )
        .await?;
    Ok(HttpResponse::Ok().json(page.map(OrganisationView::from)))
}

/// One client organisation, by id or client id: staff see any, client users their own.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrganisationView),
        (status = 404, description = "Unknown, or another client's organisation", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_organisation(
    service: web::Data<Service>,
    auth: Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let organisation = service
        .read(auth, move |conn, caller| {
            visible_organisation(conn, caller, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(OrganisationView::from(organisation)))
}

const STAFF: [Role; 4] = [
    Role::Admin,
    Role::Auditor,
    Role::DecisionMaker,
    Role::ComplaintHandler,
];

/// An organisation by id or client id: staff see any, client users their own (404 otherwise).
fn visible_organisation(
    conn: &mut crate::db::DbConnection,
    caller: &Caller,
    id: &str,
) -> AppResult<super::store::Organisation> {
    let organisation = store::find_organisation(conn, id)?
        .ok_or_else(|| AppError::NotFound("not found".into()))?;
    caller.ensure_may_access(ObjectScope {
        organisation_id: Some(&organisation.id),
        staff: StaffAccess::AnyStaff,
    })?;
    Ok(organisation)
}
