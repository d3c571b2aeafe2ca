//! Request and response bodies of the accounts endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::store::{Organisation, User};
use super::{OrganisationId, UserId};
use crate::auth::Role;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    /// Registered legal name, as it will appear on certificates.
    #[schema(example = "Acme IT Services GmbH", max_length = 200)]
    pub legal_name: String,
    #[schema(max_length = 200)]
    pub trading_name: Option<String>,
    #[schema(example = "Hauptstraße 1", max_length = 200)]
    pub street: String,
    #[schema(example = "Berlin", max_length = 100)]
    pub city: String,
    #[schema(example = "10115", max_length = 20)]
    pub postcode: String,
    /// ISO 3166-1 alpha-2 code.
    #[schema(example = "DE")]
    pub country: String,
    #[schema(
        max_length = 300,
        pattern = "^[\\t\\n\\r ]*(https?://[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F])?[\\t\\n\\r ]*$"
    )]
    pub website: Option<String>,
}

/// Not `Debug`: it carries a password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub organisation: OrganisationInput,
    #[schema(example = "quality@acme.example", format = "email", max_length = 254)]
    pub email: String,
    #[schema(example = "Anna Schmidt", min_length = 1, max_length = 200)]
    pub full_name: String,
    /// 12 to 128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

/// Not `Debug`: it carries a password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Not `Debug`: it carries a password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    pub role: Role,
    /// Required for `applicant` (an existing organisation's id); absent for staff roles.
    pub organisation_id: Option<String>,
    /// Initial password, 12 to 128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    pub active: Option<bool>,
    #[param(value_type = Option<String>)]
    pub organisation_id: Option<OrganisationId>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganisationListQuery {
    /// Part of the legal or trading name, case-insensitive.
    pub q: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    pub country: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            role: user.role,
            id: user.id,
            email: user.email,
            full_name: user.full_name,
            organisation_id: user.organisation_id,
            active: user.active,
            created_at: user.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: OrganisationId,
    /// Stable client id used in registers and correspondence.
    #[schema(example = "C-7K2M9QXA")]
    pub client_id: String,
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub address: AddressView,
    pub website: Option<String>,
    /// Confidential clients' certificates are never listed in the public directory.
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationView {
    fn from(org: Organisation) -> Self {
        OrganisationView {
            id: org.id,
            client_id: org.client_id,
            legal_name: org.legal_name,
            trading_name: org.trading_name,
            address: AddressView {
                street: org.street,
                city: org.city,
                postcode: org.postcode,
                country: org.country,
            },
            website: org.website,
            confidential: org.confidential,
            created_at: org.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationView {
    pub user: UserView,
    pub organisation: OrganisationView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    /// The caller's organisation (client users only).
    pub organisation: Option<OrganisationView>,
}
