//! `Caller`: who is making this request, as an extractor, plus the object-level checks every
//! module uses before touching a record.

use std::future::Future;
use std::pin::Pin;

use actix_web::{http::header, web, FromRequest, HttpRequest};

use super::token::TokenKeys;
use super::Role;
use crate::accounts::store as accounts;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// An authenticated, *currently active* user. Handlers ask for it; they never read headers.
///
/// The token only proves who signed in; role, organisation and the active flag are read
/// from the database on every request, so a deactivated user or a changed role takes effect
/// at once rather than when the token expires.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub role: Role,
    pub organisation_id: Option<String>,
}

/// How staff other than admins reach an object.
#[derive(Debug, Clone, Copy)]
pub enum StaffAccess<'a> {
    /// Every staff member may (e.g. client master data).
    AnyStaff,
    /// Only the listed staff, e.g. the audit team (user ids).
    Assigned(&'a [String]),
}

/// What an authorisation check needs to know about an object.
#[derive(Debug, Clone, Copy)]
pub struct ObjectScope<'a> {
    /// The client organisation the object belongs to.
    pub organisation_id: &'a str,
    pub staff: StaffAccess<'a>,
}

impl Caller {
    /// 403 unless the caller has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the {} role may not do this",
                self.role.as_str()
            )))
        }
    }

    /// May the caller touch this object? Client users reach only their own organisation's
    /// objects and get 404 for others (their existence is not theirs to know); staff who are
    /// not assigned get 403; admins reach everything.
    pub fn ensure_may_access(&self, scope: ObjectScope<'_>) -> AppResult<()> {
        let allowed = match (self.role, scope.staff) {
            (Role::Admin, _) => true,
            (Role::Applicant, _) => self.organisation_id.as_deref() == Some(scope.organisation_id),
            (_, StaffAccess::AnyStaff) => true,
            (_, StaffAccess::Assigned(staff)) => staff.contains(&self.user_id),
        };
        match (allowed, self.role) {
            (true, _) => Ok(()),
            (false, Role::Applicant) => Err(AppError::NotFound("not found".into())),
            (false, _) => Err(AppError::Forbidden(
                "you are not assigned to this record".into(),
            )),
        }
    }
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<Caller>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let bearer = bearer_token(req);
        let keys = req.app_data::<web::Data<TokenKeys>>().cloned();
        let db = req.app_data::<web::Data<Db>>().cloned();
        Box::pin(async move {
            let (Some(keys), Some(db)) = (keys, db) else {
                return Err(AppError::internal(
                    "token keys or database missing from app data",
                ));
            };
            let claims = keys.verify(&bearer?)?;
            let issued_at_ms = claims.iat_ms;
            let user = db
                .read(move |conn| accounts::find_user(conn, &claims.sub))
                .await?;
            match user {
                Some(user) if user.accepts_token_issued_at(issued_at_ms) => Ok(Caller {
                    role: user.role()?,
                    user_id: user.id,
                    organisation_id: user.organisation_id,
                }),
                _ => Err(AppError::Unauthorized(
                    "this token is no longer valid: the account was deactivated or removed".into(),
                )),
            }
        })
    }
}

fn bearer_token(req: &HttpRequest) -> AppResult<String> {
    let missing =
        || AppError::Unauthorized("send an access token as `Authorization: Bearer <token>`".into());
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, org: Option<&str>) -> Caller {
        Caller {
            user_id: "me".into(),
            role,
            organisation_id: org.map(Into::into),
        }
    }

    #[test]
    fn clients_reach_only_their_own_organisation_and_get_404_otherwise() {
        let client = caller(Role::Applicant, Some("org-a"));
        let own = ObjectScope {
            organisation_id: "org-a",
            staff: StaffAccess::AnyStaff,
        };
        let other = ObjectScope {
            organisation_id: "org-b",
            staff: StaffAccess::AnyStaff,
        };
        assert!(client.ensure_may_access(own).is_ok());
        assert!(matches!(
            client.ensure_may_access(other),
            Err(AppError::NotFound(_))
        ));
    }

    #[test]
    fn staff_need_assignment_where_required_and_admins_never_do() {
        let team = vec!["someone".to_owned()];
        let assigned_only = ObjectScope {
            organisation_id: "org-a",
            staff: StaffAccess::Assigned(&team),
        };
        let auditor = caller(Role::Auditor, None);
        assert!(matches!(
            auditor.ensure_may_access(assigned_only),
            Err(AppError::Forbidden(_))
        ));
        let team = vec!["me".to_owned()];
        let with_me = ObjectScope {
            organisation_id: "org-a",
            staff: StaffAccess::Assigned(&team),
        };
        assert!(auditor.ensure_may_access(with_me).is_ok());
        assert!(caller(Role::Admin, None)
            .ensure_may_access(assigned_only)
            .is_ok());
    }

    #[test]
    fn roles_are_required_exactly() {
        let decider = caller(Role::DecisionMaker, None);
        assert!(decider
            .require_role(&[Role::DecisionMaker, Role::Admin])
            .is_ok());
        assert!(matches!(
            decider.require_role(&[Role::Admin]),
            Err(AppError::Forbidden(_))
        ));
    }
}
