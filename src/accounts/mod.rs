//! Accounts: client organisations and users — self-registration of applicants, staff
//! accounts created by admins, sign-in, and the caller's own profile.

pub mod domain;
pub mod dto;
mod handlers;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use handlers::*;

crate::id_type!(
    /// A client organisation.
    OrganisationId
);
crate::id_type!(
    /// A user account, client or staff.
    UserId
);

/// One resource per path, so a method it does not support answers 405 (not 404).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/register").route(web::post().to(register)))
        .service(web::resource("/auth/token").route(web::post().to(issue_token)))
        .service(web::resource("/me").route(web::get().to(me)))
        .service(
            web::resource("/admin/users")
                .route(web::get().to(list_users))
                .route(web::post().to(create_user)),
        )
        .service(web::resource("/admin/users/{id}").route(web::get().to(get_user)))
        .service(
            web::resource("/admin/users/{id}/deactivate").route(web::post().to(deactivate_user)),
        )
        .service(
            web::resource("/admin/users/{id}/reactivate").route(web::post().to(reactivate_user)),
        )
        .service(web::resource("/organisations").route(web::get().to(list_organisations)))
        .service(web::resource("/organisations/{id}").route(web::get().to(get_organisation)))
        .service(
            web::resource("/organisations/{id}/confidentiality")
                .route(web::put().to(crate::verification::set_confidentiality)),
        );
}

/// This module's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        register,
        issue_token,
        me,
        create_user,
        list_users,
        get_user,
        deactivate_user,
        reactivate_user,
        list_organisations,
        get_organisation,
    ),
    tags(
        (name = "accounts", description = "Registration, sign-in and the caller's profile"),
        (name = "admin", description = "Account administration (admin role)"),
        (name = "organisations", description = "Client organisations"),
    )
)]
pub struct ApiDoc;
