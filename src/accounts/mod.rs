//! Accounts: client organisations and users — self-registration of applicants, staff
//! accounts created by admins, sign-in, and the caller's own profile.

pub mod domain;
pub mod dto;
mod handlers;
pub mod store;

use actix_web::web;

pub use handlers::*;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(register))
        .route("/auth/token", web::post().to(issue_token))
        .route("/me", web::get().to(me))
        .route("/admin/users", web::post().to(create_user))
        .route("/admin/users", web::get().to(list_users))
        .route("/admin/users/{id}", web::get().to(get_user))
        .route(
            "/admin/users/{id}/deactivate",
            web::post().to(deactivate_user),
        )
        .route(
            "/admin/users/{id}/reactivate",
            web::post().to(reactivate_user),
        )
        .route("/organisations", web::get().to(list_organisations))
        .route("/organisations/{id}", web::get().to(get_organisation));
}
