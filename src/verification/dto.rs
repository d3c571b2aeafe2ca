//! Request and response bodies of public verification.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use super::domain::PublicCertificate;
use crate::accounts::OrganisationId;
use crate::certificates::domain::CertificateStatus;
use crate::error::{AppError, AppResult};
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

/// A page of the directory; `next_offset` is null on the last one.
#[derive(Debug, ToSchema)]
pub struct DirectoryPage {
    /// Each as `GET /public/certificates/{number}` answers it.
    #[schema(value_type = Vec<PublicCertificate>)]
    pub items: Vec<String>,
    pub limit: i64,
    pub offset: i64,
    pub next_offset: Option<i64>,
}

impl DirectoryPage {
    /// The page as JSON. The items are public answers as the service stored them, JSON it
    /// wrote itself, so they are copied in rather than parsed again (a page of twenty is
    /// some 20 KB: re-reading it was about 4 % of a search's CPU in a profile).
    pub fn to_json(&self) -> AppResult<Vec<u8>> {
        #[derive(Serialize)]
        struct Paging {
            limit: i64,
            offset: i64,
            next_offset: Option<i64>,
        }
        let paging = serde_json::to_vec(&Paging {
            limit: self.limit,
            offset: self.offset,
            next_offset: self.next_offset,
        })
        .map_err(AppError::internal)?;
        let items: usize = self.items.iter().map(|item| item.len() + 1).sum();
        let mut json = Vec::with_capacity(items + paging.len() + 16);
        json.extend_from_slice(b"{\"items\":[");
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            json.extend_from_slice(item.as_bytes());
        }
        // `paging` is an object: its fields follow the items, after its opening brace.
        json.extend_from_slice(b"],");
        json.extend_from_slice(&paging[1..]);
        Ok(json)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_directory_page_is_the_json_of_its_items_and_paging() {
        let page = |items: Vec<&str>, next_offset| DirectoryPage {
            items: items.into_iter().map(str::to_owned).collect(),
            limit: 2,
            offset: 4,
            next_offset,
        };
        let read = |page: DirectoryPage| -> Value {
            serde_json::from_slice(&page.to_json().unwrap()).unwrap()
        };
        assert_eq!(
            read(page(
                vec![r#"{"number":"A"}"#, r#"{"number":"B","n":[1]}"#],
                Some(6)
            )),
            json!({"items": [{"number": "A"}, {"number": "B", "n": [1]}],
                "limit": 2, "offset": 4, "next_offset": 6})
        );
        assert_eq!(
            read(page(vec![], None)),
            json!({"items": [], "limit": 2, "offset": 4, "next_offset": null})
        );
    }
}
