//! The export for the IAF CertSearch register (IAF MD 28): one record per certificate with
//! the mandatory fields and the optional ones we hold. Field names follow MD 28's list of
//! data; the register's own upload template headings were not available to check.

use serde::Serialize;
use utoipa::ToSchema;

use super::domain::CertifiedSite;
use super::store;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::workflow::CbIdentity;

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterRecord {
    pub certification_body_id: Option<String>,
    pub certificate_number: String,
    /// Active, Suspended, Withdrawn or Expired.
    pub status: String,
    /// Accredited or Unaccredited.
    pub accreditation_status: String,
    pub accreditation_body: Option<String>,
    pub certification_type: String,
    pub original_issue_date: chrono::NaiveDate,
    pub issue_date: chrono::NaiveDate,
    pub expiry_date: chrono::NaiveDate,
    pub entity_name: String,
    pub trading_name: Option<String>,
    /// The CB's client id: the certified entity's unique id.
    pub entity_id: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub standards: String,
    pub scope: String,
    pub sites: Vec<CertifiedSite>,
    /// Clients kept confidential in exceptional cases: flagged, so the register does not
    /// show them publicly (17021-1 8.1).
    pub confidential: bool,
}

pub fn records(conn: &mut DbConnection, cb: &CbIdentity) -> AppResult<Vec<RegisterRecord>> {
    let mut records = Vec::new();
    for (certificate, content, confidential) in store::with_current_content(conn)? {
        let holder = content.holder;
        records.push(RegisterRecord {
            certification_body_id: cb.register_id.clone(),
            certificate_number: certificate.number,
            status: certificate.status.register_status().to_owned(),
            accreditation_status: if content.certification_body.accreditation_body.is_some() {
                "Accredited".into()
            } else {
                "Unaccredited".into()
            },
            accreditation_body: content.certification_body.accreditation_body,
            certification_type: content.certification_type,
            original_issue_date: certificate.original_grant_on,
            issue_date: certificate.issued_on,
            expiry_date: certificate.expires_on,
            entity_name: holder.legal_name,
            trading_name: holder.trading_name,
            entity_id: holder.client_id,
            street: holder.street,
            city: holder.city,
            postcode: holder.postcode,
            country: holder.country,
            standards: content.standard,
            scope: content.scope,
            sites: content.sites,
            confidential,
        });
    }
    Ok(records)
}

/// The records as CSV (RFC 4180): a header row, then one row per certificate; the sites
/// in one column, `name, street, city, postcode, country: scope`, separated by ` | `.
pub fn to_csv(records: &[RegisterRecord]) -> String {
    const HEADER: &[&str] = &[
        "certification_body_id",
        "certificate_number",
        "status",
        "accreditation_status",
        "accreditation_body",
        "certification_type",
        "original_issue_date",
        "issue_date",
        "expiry_date",
        "entity_name",
        "trading_name",
        "entity_id",
        "street",
        "city",
        "postcode",
        "country",
        "standards",
        "scope",
        "sites",
        "confidential",
    ];
    let field = |text: &str| {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    };
    let mut out = HEADER.join(",") + "\r\n";
    for r in records {
        let sites = r
            .sites
            .iter()
            .map(|s| {
                format!(
                    "{}, {}, {}, {}, {}: {}",
                    s.name, s.street, s.city, s.postcode, s.country, s.scope
                )
            })
            .collect::<Vec<_>>()
            .join(" | ");
        let row = [
            r.certification_body_id.clone().unwrap_or_default(),
            r.certificate_number.clone(),
            r.status.clone(),
            r.accreditation_status.clone(),
            r.accreditation_body.clone().unwrap_or_default(),
            r.certification_type.clone(),
            r.original_issue_date.to_string(),
            r.issue_date.to_string(),
            r.expiry_date.to_string(),
            r.entity_name.clone(),
            r.trading_name.clone().unwrap_or_default(),
            r.entity_id.clone(),
            r.street.clone(),
            r.city.clone(),
            r.postcode.clone(),
            r.country.clone(),
            r.standards.clone(),
            r.scope.clone(),
            sites,
            r.confidential.to_string(),
        ];
        out += &row.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
        out += "\r\n";
    }
    out
}
