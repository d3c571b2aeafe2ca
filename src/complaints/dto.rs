//! What the complaints API takes and answers.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::{ComplaintKind, ComplaintOutcome, ComplaintState};
use super::store::{Complaint, ComplaintActions, EvidenceInfo};
use super::{ComplaintId, EvidenceId};
use crate::accounts::{OrganisationId, UserId};
use crate::certificates::CertificateId;

/// A complaint as anyone may file it; the reporter may stay anonymous.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    pub kind: ComplaintKind,
    /// The organisation concerned, as the reporter knows it (for a complaint about the
    /// certification body, its name).
    #[schema(min_length = 1, max_length = 300)]
    pub organisation_name: String,
    /// The certificate number shown or claimed, if known (also one we never issued).
    #[schema(max_length = 100)]
    pub certificate_number: Option<String>,
    #[schema(min_length = 1, max_length = 8000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub reporter_name: Option<String>,
    /// Where acknowledgement and outcome go; without it, read them back by reference.
    #[schema(max_length = 254, format = "email")]
    pub reporter_email: Option<String>,
}

/// What the reporter keeps: the reference and the secret that reads the complaint back.
/// The secret is shown once; it is not stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintReceipt {
    pub reference: String,
    pub secret: String,
    /// `GET` it with the secret in the `Complaint-Secret` header.
    pub status_url: String,
    pub acknowledge_by: NaiveDate,
}

/// A complaint as its reporter sees it: progress and the public outcome, nothing internal.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicComplaintView {
    pub reference: String,
    pub kind: ComplaintKind,
    pub state: ComplaintState,
    pub received_on: NaiveDate,
    pub acknowledged_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<ComplaintOutcome>,
    pub public_outcome: Option<String>,
}

impl From<&Complaint> for PublicComplaintView {
    fn from(c: &Complaint) -> PublicComplaintView {
        PublicComplaintView {
            reference: c.reference.clone(),
            kind: c.kind,
            state: c.state,
            received_on: c.received_at.date(),
            acknowledged_on: c.acknowledged_at.map(|at| at.date()),
            decided_on: c.decided_at.map(|at| at.date()),
            closed_on: c.closed_at.map(|at| at.date()),
            outcome: c.outcome,
            public_outcome: c.public_outcome.clone(),
        }
    }
}

/// A complaint as complaint handlers and admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: ComplaintId,
    pub reference: String,
    pub kind: ComplaintKind,
    pub organisation_name: String,
    pub certificate_number: Option<String>,
    /// Set when the number is one of ours.
    pub certificate_id: Option<CertificateId>,
    /// The client concerned, when the certificate is ours.
    pub organisation_id: Option<OrganisationId>,
    pub description: String,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub state: ComplaintState,
    pub handler_id: Option<UserId>,
    pub outcome: Option<ComplaintOutcome>,
    pub public_outcome: Option<String>,
    pub actions: Option<ComplaintActions>,
    pub received_at: DateTime<Utc>,
    pub acknowledge_by: NaiveDate,
    pub resolve_by: NaiveDate,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<Complaint> for ComplaintView {
    fn from(c: Complaint) -> ComplaintView {
        ComplaintView {
            id: c.id,
            reference: c.reference,
            kind: c.kind,
            organisation_name: c.organisation_name,
            certificate_number: c.certificate_number,
            certificate_id: c.certificate_id,
            organisation_id: c.organisation_id,
            description: c.description,
            reporter_name: c.reporter_name,
            reporter_email: c.reporter_email,
            state: c.state,
            handler_id: c.handler_id,
            outcome: c.outcome,
            public_outcome: c.public_outcome,
            actions: c.actions.map(|actions| actions.0),
            received_at: c.received_at.and_utc(),
            acknowledge_by: c.acknowledge_by,
            resolve_by: c.resolve_by,
            acknowledged_at: c.acknowledged_at.map(|at| at.and_utc()),
            decided_at: c.decided_at.map(|at| at.and_utc()),
            closed_at: c.closed_at.map(|at| at.and_utc()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintListQuery {
    pub state: Option<ComplaintState>,
    pub handler_id: Option<UserId>,
    /// Only open complaints past their acknowledgement or resolution date.
    pub overdue: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// A complaint handler not involved with the subject.
    pub handler_id: UserId,
    /// The client the complaint is about, when it did not name a certificate of ours
    /// (its involvement checks and referral then apply).
    pub organisation_id: Option<OrganisationId>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDecisionInput {
    pub outcome: ComplaintOutcome,
    /// What the reporter is told.
    #[schema(min_length = 1, max_length = 4000)]
    pub public_outcome: String,
    /// Ask the decision makers to consider suspending the certificate concerned (ours,
    /// active; substantiated complaints only).
    #[serde(default)]
    pub request_suspension: bool,
    /// Publish a notice of a substantiated false claim or misuse by an organisation that
    /// holds no certificate from us.
    #[serde(default)]
    pub public_notice: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeListQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// A file attached to a complaint, without its bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: EvidenceId,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes, as stored.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<EvidenceInfo> for EvidenceView {
    fn from(info: EvidenceInfo) -> EvidenceView {
        EvidenceView {
            id: info.id,
            filename: info.filename,
            content_type: info.content_type,
            size_bytes: info.size_bytes,
            sha256: info.sha256,
            uploaded_at: info.uploaded_at.and_utc(),
        }
    }
}
