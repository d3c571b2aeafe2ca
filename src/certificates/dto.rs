//! Request and response bodies of the certificate endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::{CertificateStatus, CertifiedContent};
use super::store::{Certificate, Revision, StatusEvent};
use super::CertificateId;
use crate::accounts::OrganisationId;
use crate::applications::SiteId;
use crate::programmes::ProgrammeId;

/// Which revision's PDF: the current one unless given.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PdfQuery {
    #[param(minimum = 1)]
    pub revision: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CertificateListQuery {
    /// Only suspended certificates past their restore date: for a decision maker to
    /// withdraw or reduce (17021-1 9.6.5).
    pub restore_overdue: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspensionInput {
    /// Why (17021-1 9.6.5: e.g. persistent failure to meet requirements, refused
    /// surveillance, the client's request).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// By when the client must restore conformity; 6 months when absent.
    pub restore_by: Option<NaiveDate>,
}

/// A site and the scope certified there.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteScopeInput {
    #[schema(value_type = String)]
    pub site_id: SiteId,
    #[schema(min_length = 1, max_length = 2000)]
    pub scope: String,
}

/// A changed scope: the sites certified afterwards, each with its scope.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeChangeInput {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// The overall scope after the change.
    #[schema(min_length = 1, max_length = 4000)]
    pub scope: String,
    #[schema(min_items = 1)]
    pub sites: Vec<SiteScopeInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionView {
    pub revision: i64,
    pub issued_on: NaiveDate,
    pub reason: Option<String>,
    /// Set once a later revision replaced this one.
    pub superseded_on: Option<NaiveDate>,
}

impl From<Revision> for RevisionView {
    fn from(r: Revision) -> Self {
        RevisionView {
            revision: r.revision,
            issued_on: r.issued_on,
            reason: r.reason,
            superseded_on: r.superseded_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusEventView {
    pub occurred_on: NaiveDate,
    pub from_status: Option<CertificateStatus>,
    pub to_status: CertificateStatus,
    pub reason: Option<String>,
    pub public: bool,
}

impl From<StatusEvent> for StatusEventView {
    fn from(e: StatusEvent) -> Self {
        StatusEventView {
            occurred_on: e.occurred_on,
            from_status: e.from_status,
            to_status: e.to_status,
            reason: e.reason,
            public: e.public,
        }
    }
}

/// A certificate in a list: its status and what it certifies, in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateSummary {
    pub id: CertificateId,
    pub number: String,
    pub organisation_id: OrganisationId,
    pub holder: String,
    pub standard: String,
    pub status: CertificateStatus,
    pub register_status: String,
    pub status_reason: Option<String>,
    pub restore_by: Option<NaiveDate>,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revision: i64,
}

impl CertificateSummary {
    pub fn new(certificate: Certificate, content: &CertifiedContent) -> CertificateSummary {
        CertificateSummary {
            register_status: certificate.status.register_status().to_owned(),
            id: certificate.id,
            number: certificate.number,
            organisation_id: certificate.organisation_id,
            holder: content.holder.legal_name.clone(),
            standard: content.standard.clone(),
            status: certificate.status,
            status_reason: certificate.status_reason,
            restore_by: certificate.restore_by,
            issued_on: certificate.issued_on,
            expires_on: certificate.expires_on,
            revision: certificate.revision,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: CertificateId,
    pub number: String,
    pub organisation_id: OrganisationId,
    pub programme_id: ProgrammeId,
    pub status: CertificateStatus,
    /// The status as the IAF CertSearch register names it.
    pub register_status: String,
    pub status_reason: Option<String>,
    pub restore_by: Option<NaiveDate>,
    pub original_grant_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revision: i64,
    /// What the current revision certifies.
    pub content: CertifiedContent,
    pub revisions: Vec<RevisionView>,
    pub history: Vec<StatusEventView>,
    pub updated_at: DateTime<Utc>,
}

impl CertificateView {
    pub fn new(
        certificate: Certificate,
        content: CertifiedContent,
        revisions: Vec<RevisionView>,
        history: Vec<StatusEventView>,
    ) -> CertificateView {
        CertificateView {
            register_status: certificate.status.register_status().to_owned(),
            id: certificate.id,
            number: certificate.number,
            organisation_id: certificate.organisation_id,
            programme_id: certificate.programme_id,
            status: certificate.status,
            status_reason: certificate.status_reason,
            restore_by: certificate.restore_by,
            original_grant_on: certificate.original_grant_on,
            issued_on: certificate.issued_on,
            expires_on: certificate.expires_on,
            revision: certificate.revision,
            content,
            revisions,
            history,
            updated_at: certificate.updated_at.and_utc(),
        }
    }
}
