//! Request and response bodies of public verification.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use super::domain::PublicCertificate;
use crate::accounts::OrganisationId;
use crate::certificates::domain::CertificateStatus;
use crate::standards::StandardId;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Words of the holder's name (legal or trading), each matching the start of a word;
    /// case and accents ignored. At least 2 letters when given.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// A standard's id, e.g. `std-iso-iec-20000-1-2018`.
    #[param(value_type = Option<String>)]
    pub standard: Option<StandardId>,
    /// The holder's country (ISO 3166-1 alpha-2); blank is no filter.
    pub country: Option<String>,
    pub status: Option<CertificateStatus>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The directory pages through its first 1,000 results.
    #[param(minimum = 0, maximum = 999)]
    pub offset: Option<i64>,
}

/// A page of the directory; `next_offset` is absent on the last one.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryPage {
    /// Each as `GET /public/certificates/{number}` answers it.
    #[schema(value_type = Vec<PublicCertificate>)]
    pub items: Vec<Box<RawValue>>,
    pub limit: i64,
    pub offset: i64,
    pub next_offset: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkLookupInput {
    /// 1 to 1,000 certificate numbers, as typed.
    #[schema(min_items = 1, max_items = 1000)]
    pub numbers: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkOutcome {
    Found,
    /// Well-formed, never issued by this certification body.
    NotIssued,
    /// Not a number of ours as typed (a wrong check character, prefix or length).
    Malformed,
}

/// The answer for one typed number.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkAnswer {
    pub query: String,
    pub outcome: BulkOutcome,
    /// The same answer as `GET /public/certificates/{number}`, when found.
    #[schema(value_type = Option<PublicCertificate>)]
    pub certificate: Option<Box<RawValue>>,
    pub message: Option<String>,
}

impl BulkAnswer {
    pub fn new(
        query: &str,
        outcome: BulkOutcome,
        certificate: Option<Box<RawValue>>,
        message: Option<String>,
    ) -> BulkAnswer {
        BulkAnswer {
            query: query.to_owned(),
            outcome,
            certificate,
            message,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkLookupView {
    pub results: Vec<BulkAnswer>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialInput {
    /// The credential as issued: a JWT (`vc+jwt`).
    #[schema(min_length = 1, max_length = 100000)]
    pub credential: String,
}

/// Whether a credential can be relied on now, and why not.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialCheck {
    /// Signed by us, issued by us, within its validity period, for the certificate's
    /// current revision, and the certificate active now.
    pub valid: bool,
    pub signature_valid: bool,
    pub reason: Option<String>,
    /// The certificate as it stands now, when the credential names one of ours.
    pub certificate: Option<CurrentStatus>,
}

impl CredentialCheck {
    pub fn invalid(reason: String, certificate: Option<CurrentStatus>) -> CredentialCheck {
        CredentialCheck {
            valid: false,
            signature_valid: false,
            reason: Some(reason),
            certificate,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentStatus {
    pub number: String,
    pub status: CertificateStatus,
    pub valid: bool,
    pub revision: i64,
    pub page: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfidentialityInput {
    /// True: not listed in the public directory (a lookup by number still answers).
    pub confidential: bool,
    /// Why, e.g. the client's request for security reasons (17021-1 8.1.2).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConfidentialityView {
    #[schema(value_type = String)]
    pub organisation_id: OrganisationId,
    pub confidential: bool,
    /// How many of its certificates were republished.
    pub certificates: usize,
}
