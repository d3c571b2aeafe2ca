//! `Caller`: who is making this request, as an extractor, plus the object-level checks every
//! module uses before touching a record.

use std::future::{ready, Ready};

use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use tracing_actix_web::RequestId;

use super::token::{Claims, TokenKeys};
use super::Role;
use crate::accounts::store as accounts;
use crate::accounts::{OrganisationId, UserId};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};

/// A request's access token, verified (signature, expiry, issuer, audience) but not yet
/// checked against the account. Handlers take it and hand it to `Service::read`/`write`,
/// which turn it into a `Caller` on the same connection as the request's own work: one trip
/// to the database per request.
#[derive(Debug, Clone)]
pub struct Auth {
    claims: Claims,
    request_id: Option<String>,
}

impl FromRequest for Auth {
    type Error = AppError;
    type Future = Ready<AppResult<Auth>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let verified = || {
            let keys = req
                .app_data::<web::Data<TokenKeys>>()
                .ok_or_else(|| AppError::internal("token keys missing from app data"))?;
            Ok(Auth {
                claims: keys.verify(&bearer_token(req)?)?,
                request_id: req.extensions().get::<RequestId>().map(ToString::to_string),
            })
        };
        ready(verified())
    }
}

/// An authenticated, *currently active* user.
///
/// The token only proves who signed in; role, organisation and the active flag are read
/// from the database on every request, so a deactivated user or a changed role takes effect
/// at once rather than when the token expires.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    /// The request this caller is making, for the audit trail.
    pub request_id: Option<String>,
}

/// How staff other than admins reach an object.
#[derive(Debug, Clone, Copy)]
pub enum StaffAccess<'a> {
    /// Every staff member may (e.g. client master data).
    AnyStaff,
    /// Only the listed staff, e.g. the audit team.
    Assigned(&'a [UserId]),
    /// Admins only (e.g. the outbox): no client and no other staff.
    AdminOnly,
}

/// What an authorisation check needs to know about an object.
#[derive(Debug, Clone, Copy)]
pub struct ObjectScope<'a> {
    /// The client organisation the object belongs to; `None` for the CB's own records.
    pub organisation_id: Option<&'a OrganisationId>,
    pub staff: StaffAccess<'a>,
}

impl Caller {
    /// Checks the token against the account: it must exist, be active, and the token must
    /// be issued after the last deactivation.
    pub fn load(conn: &mut DbConnection, auth: &Auth) -> AppResult<Caller> {
        let user_id = UserId::from_text(auth.claims.sub.as_str());
        match accounts::find_standing(conn, &user_id)? {
            Some(account) if account.accepts_token_issued_at(auth.claims.iat_ms) => Ok(Caller {
                user_id,
                role: account.role,
                organisation_id: account.organisation_id,
                request_id: auth.request_id.clone(),
            }),
            _ => Err(AppError::Unauthorized(
                "this token is no longer valid: the account was deactivated or removed".into(),
            )),
        }
    }

    /// The organisation a list is narrowed to: a client user's own, whatever they ask for;
    /// for staff, what they ask for (`requested`, `None` for all).
    pub fn organisation_filter(
        &self,
        requested: Option<OrganisationId>,
    ) -> AppResult<Option<OrganisationId>> {
        match self.role {
            Role::Applicant => self
                .organisation_id
                .clone()
                .map(Some)
                .ok_or_else(|| AppError::Forbidden("no organisation".into())),
            Role::RelyingParty => Err(AppError::Forbidden(
                "a relying party reaches no client's records".into(),
            )),
            _ => Ok(requested),
        }
    }

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
            (Role::RelyingParty, _) => false,
            (Role::Applicant, _) => {
                scope.organisation_id.is_some()
                    && self.organisation_id.as_ref() == scope.organisation_id
            }
            (_, StaffAccess::AnyStaff) => true,
            (_, StaffAccess::Assigned(staff)) => staff.contains(&self.user_id),
            (_, StaffAccess::AdminOnly) => false,
        };
        match (allowed, self.role) {
            (true, _) => Ok(()),
            (false, Role::Applicant | Role::RelyingParty) => {
                Err(AppError::NotFound("not found".into()))
            }
            (false, _) => Err(AppError::Forbidden(
                "you are not assigned to this record".into(),
            )),
        }
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
            user_id: UserId::from_text("me"),
            role,
            organisation_id: org.map(OrganisationId::from_text),
            request_id: None,
        }
    }

    fn org(id: &str) -> OrganisationId {
        OrganisationId::from_text(id)
    }

    #[test]
    fn clients_reach_only_their_own_organisation_and_get_404_otherwise() {
        let client = caller(Role::Applicant, Some("org-a"));
        let (a, b) = (org("org-a"), org("org-b"));
        let own = ObjectScope {
            organisation_id: Some(&a),
            staff: StaffAccess::AnyStaff,
        };
        let other = ObjectScope {
            organisation_id: Some(&b),
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
        let a = org("org-a");
        let team = vec![UserId::from_text("someone")];
        let assigned_only = ObjectScope {
            organisation_id: Some(&a),
            staff: StaffAccess::Assigned(&team),
        };
        let auditor = caller(Role::Auditor, None);
        assert!(matches!(
            auditor.ensure_may_access(assigned_only),
            Err(AppError::Forbidden(_))
        ));
        let team = vec![UserId::from_text("me")];
        let with_me = ObjectScope {
            organisation_id: Some(&a),
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
