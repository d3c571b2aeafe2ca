//! Certificates as W3C Verifiable Credentials (data model 2.0), shaped as UN Transparency
//! Protocol Digital Conformity Credentials, and the Bitstring Status Lists that say which
//! are suspended and which withdrawn.

use std::io::Write;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::certificates::domain::{CertificateStatus, CertifiedContent};

const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The UNTP DCC vocabulary the credential's terms come from (a name, never fetched).
const DCC_CONTEXT: &str = "https://test.uncefact.org/vocabulary/untp/dcc/0.6.0/";

/// Where a credential points for its status: the base URL of the lists and its bit.
pub struct StatusEntry<'a> {
    pub lists_url: &'a str,
    pub index: i64,
}

crate::text_enum! {
    /// The two status lists (W3C Bitstring Status List): suspension is reversible,
    /// revocation (withdrawal) is final.
    pub enum StatusPurpose {
        Suspension = "suspension",
        Revocation = "revocation",
    }
}

impl StatusPurpose {
    /// The certificate status whose bit this list sets.
    pub fn status(self) -> CertificateStatus {
        match self {
            StatusPurpose::Suspension => CertificateStatus::Suspended,
            StatusPurpose::Revocation => CertificateStatus::Withdrawn,
        }
    }
}

/// The PDF a credential stands for: where it is and its SHA-256 (hex).
pub struct RelatedDocument<'a> {
    pub url: &'a str,
    pub sha256_hex: &'a str,
}

/// The credential of one certificate revision; its PDF, when it has one, is a related
/// resource with its digest (VC data model 2.0, 5.3), so a copy can be checked against it.
pub fn certificate_credential(
    (did, public_url): (&str, &str),
    number: &str,
    content: &CertifiedContent,
    status: StatusEntry<'_>,
    document: Option<RelatedDocument<'_>>,
) -> Value {
    let certificate_url = format!("{public_url}/api/v1/public/certificates/{number}");
    let body = &content.certification_body;
    let facilities: Vec<Value> = content
        .sites
        .iter()
        .map(|site| {
            json!({"name": site.name, "address": {"streetAddress": site.street,
                "addressLocality": site.city, "postalCode": site.postcode,
                "addressCountry": site.country}, "scope": site.scope})
        })
        .collect();
    let mut credential = json!({
        "@context": [VC_CONTEXT, DCC_CONTEXT],
        "type": ["VerifiableCredential", "DigitalConformityCredential"],
        "id": format!("{certificate_url}#revision-{}", content.revision),
        "issuer": {"id": did, "name": body.name},
        "validFrom": format!("{}T00:00:00Z", content.issued_on),
        "validUntil": format!("{}T23:59:59Z", content.expires_on),
        "credentialStatus": StatusPurpose::ALL.iter().map(|purpose| {
            let list = format!("{}/{}", status.lists_url, purpose.as_str());
            json!({
                "id": format!("{list}#{}", status.index),
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose.as_str(),
                "statusListIndex": status.index.to_string(),
                "statusListCredential": list,
            })
        }).collect::<Vec<_>>(),
        "credentialSubject": {
            "id": certificate_url,
            "type": ["ConformityAttestation"],
            "assessorLevel": "3rdParty",
            "assessmentLevel": if body.accreditation_body.is_some() { "Accredited" } else { "Unaccredited" },
            "attestationType": "certification",
            "certificateNumber": number,
            "revision": content.revision,
            "issuedToParty": {"name": content.holder.legal_name, "registeredId": content.holder.client_id},
            "authorisation": body.accreditation_body.as_ref().map(|name| json!([{"issuingAuthority": {"name": name}}])),
            "scope": {"name": content.standard},
            "assessment": [{
                "assessmentDate": content.original_grant_on,
                "referenceStandard": {"name": content.standard},
                "conformance": true,
                "description": content.scope,
                "assessedFacility": facilities,
            }],
        },
    });
    if let Some(document) = document {
        let digest = hex::decode(document.sha256_hex).unwrap_or_default();
        credential["relatedResource"] = json!([{
            "id": document.url,
            "mediaType": "application/pdf",
            "digestSRI": format!("sha256-{}", STANDARD.encode(digest)),
        }]);
    }
    credential
}

/// Bits in a status list: the W3C minimum (16 KB), so one certificate's bit says little
/// about which certificate it is.
pub const STATUS_LIST_BITS: usize = 131_072;

/// The GZIP-compressed, multibase (`u`, base64url) bitstring with `set` bits on; the
/// first index is the left-most bit.
pub fn encoded_list(set: &[i64]) -> String {
    let highest = set.iter().copied().max().unwrap_or(0) as usize;
    let bits = STATUS_LIST_BITS.max((highest / STATUS_LIST_BITS + 1) * STATUS_LIST_BITS);
    let mut bytes = vec![0u8; bits / 8];
    for &index in set {
        let index = index as usize;
        bytes[index / 8] |= 0x80 >> (index % 8);
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to memory cannot fail.
    let _ = gzip.write_all(&bytes);
    format!(
        "u{}",
        URL_SAFE_NO_PAD.encode(gzip.finish().unwrap_or_default())
    )
}

/// The status list credential itself.
pub fn status_list_credential(
    did: &str,
    (list_url, purpose): (&str, StatusPurpose),
    set: &[i64],
    today: NaiveDate,
) -> Value {
    json!({
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": format!("{today}T00:00:00Z"),
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": encoded_list(set),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_status_list_sets_the_bits_of_its_indexes_from_the_left() {
        let encoded = encoded_list(&[0, 9, 131_071]);
        let compressed = URL_SAFE_NO_PAD.decode(&encoded[1..]).unwrap();
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut bytes)
            .unwrap();
        assert_eq!(bytes.len(), 16_384);
        assert_eq!(bytes[0], 0b1000_0000);
        assert_eq!(bytes[1], 0b0100_0000);
        assert_eq!(bytes[16_383], 0b0000_0001);
        assert!(bytes[2..16_383].iter().all(|b| *b == 0));
    }
}
