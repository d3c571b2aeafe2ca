//! Use cases of public verification: publish a certificate's public answer whenever it
//! changes (in the change's transaction), look certificates up by number, one or many,
//! search the directory, and check a credential against the certificate's current status.

use chrono::NaiveDate;
use serde_json::json;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::domain::*;
use super::dto::*;
use super::store::{self, DirectoryFilter, PublicRow};
use crate::accounts::store as accounts;
use crate::auth::{Caller, Role};
use crate::certificates;
use crate::certificates::document::{pdf_url, verify_url};
use crate::certificates::domain::{normalise_number, CertificateStatus};
use crate::certificates::CertificateId;
use crate::credentials::keys::SigningKeys;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::trail::Change;
use crate::validate::required_text;
use crate::workflow::{CbIdentity, Tx};

/// Writes the public answer of a certificate as it stands now; every change of a
/// certificate calls it in its own transaction.
pub fn publish(tx: &mut Tx<'_>, id: &CertificateId) -> AppResult<()> {
    let certificate = certificates::store::find(tx.conn, id)?
        .ok_or_else(|| AppError::internal("certificate vanished"))?;
    let revisions = certificates::store::revisions(tx.conn, id)?;
    let content = revisions
        .iter()
        .find(|r| r.revision == certificate.revision)
        .map(|r| r.content.0.clone())
        .ok_or_else(|| AppError::internal("a certificate without its current revision"))?;
    let history = certificates::store::events(tx.conn, id)?
        .into_iter()
        .filter(|event| event.public)
        .map(|event| PublicEvent {
            on: event.occurred_on,
            status: event.to_status,
        })
        .collect();
    let organisation = accounts::find_organisation(tx.conn, certificate.organisation_id.as_str())?
        .ok_or_else(|| AppError::internal("organisation vanished"))?;
    let public_url = &tx.rules.cb.public_url;
    let answer = PublicCertificate::new(Published {
        number: &certificate.number,
        status: certificate.status,
        content: &content,
        revisions: revisions
            .iter()
            .map(|r| PublicRevision {
                revision: r.revision,
                issued_on: r.issued_on,
                superseded_on: r.superseded_on,
            })
            .collect(),
        history,
        links: PublicLinks {
            page: verify_url(public_url, &certificate.number),
            document: pdf_url(public_url, &certificate.number, certificate.revision),
        },
    });
    let body = serde_json::to_string(&answer).map_err(AppError::internal)?;
    let names = format!(
        "{} {}",
        content.holder.legal_name,
        content.holder.trading_name.as_deref().unwrap_or("")
    );
    let holder_key = search_key(&names);
    let row = PublicRow {
        number: certificate.number,
        certificate_id: certificate.id,
        status: certificate.status,
        standard_id: certificate.standard_id,
        country: content.holder.country,
        listed: !organisation.confidential,
        etag: format!(
            "\"{}\"",
            &hex::encode(Sha256::digest(body.as_bytes()))[..32]
        ),
        body,
        updated_at: tx.now(),
        holder_key: holder_key.clone(),
    };
    // An answer stored in an older shape tells watchers nothing, but never blocks the change.
    let previous = store::by_number(tx.conn, &row.number)?.and_then(|(body, _)| {
        serde_json::from_str::<PublicCertificate>(&body)
            .inspect_err(|e| tracing::warn!(number = %row.number, error = %e, "an earlier public answer did not read"))
            .ok()
    });
    store::publish(tx.conn, &row, &words(&holder_key))?;
    tx.changes_public(&row.number);
    match previous {
        Some(previous) => crate::watch::service::certificate_changed(
            tx,
            crate::watch::service::CertificateChange {
                number: &row.number,
                status: (previous.status, answer.status),
                revision: (previous.revision, answer.revision),
                answer: &serde_json::to_value(&answer).map_err(AppError::internal)?,
            },
        ),
        None => Ok(()),
    }
}

/// Publishes the answer of every certificate that has none — those issued before this
/// module existed — so none is missing from verification (a scheduled job, idempotent).
pub fn publish_missing(tx: &mut Tx<'_>) -> AppResult<usize> {
    let missing = store::unpublished(tx.conn)?;
    for id in &missing {
        publish(tx, id)?;
    }
    Ok(missing.len())
}

/// Lists an organisation's certificates in the directory or not (admins; 17021-1 8.1.2:
/// access to information may be limited at the client's request). A lookup by exact
/// number answers either way.
pub fn set_confidential(
    tx: &mut Tx<'_>,
    caller: &Caller,
    organisation: &str,
    input: ConfidentialityInput,
) -> AppResult<ConfidentialityView> {
    caller.require_role(&[Role::Admin])?;
    let reason = required_text(&input.reason, 2000).map_err(|m| AppError::invalid("reason", m))?;
    let organisation = accounts::find_organisation(tx.conn, organisation)?
        .ok_or_else(|| AppError::NotFound("no organisation has this id".into()))?;
    accounts::set_confidential(tx.conn, &organisation.id, input.confidential)?;
    tx.record(Change {
        entity_type: "organisation",
        entity_id: organisation.id.as_str(),
        organisation_id: Some(organisation.id.as_str()),
        action: "confidentiality_changed",
        before: Some(json!({"confidential": organisation.confidential})),
        after: Some(json!({"confidential": input.confidential, "reason": reason})),
    })?;
    let certificates = certificates::store::of_organisation(tx.conn, &organisation.id)?;
    for certificate in &certificates {
        publish(tx, &certificate.id)?;
    }
    Ok(ConfidentialityView {
        organisation_id: organisation.id,
        confidential: input.confidential,
        certificates: certificates.len(),
    })
}

/// How one typed number resolved.
pub enum Lookup {
    /// The public answer (JSON) and its entity tag.
    Found { body: String, etag: String },
    /// Well-formed, but no certificate of ours has it.
    NotIssued(String),
    /// Not one of our numbers as typed: why.
    Malformed(String),
}

pub fn lookup(conn: &mut DbConnection, cb: &CbIdentity, typed: &str) -> AppResult<Lookup> {
    let number = match normalise_number(&cb.certificate_prefix, typed) {
        Ok(number) => number,
        Err(why) => return Ok(Lookup::Malformed(why)),
    };
    Ok(match store::by_number(conn, &number)? {
        Some((body, etag)) => Lookup::Found { body, etag },
        None => Lookup::NotIssued(not_issued(cb, &number)),
    })
}

fn not_issued(cb: &CbIdentity, number: &str) -> String {
    format!(
        "{number} is well-formed, but {} never issued a certificate with this number",
        cb.name
    )
}

/// At most this many numbers in one bulk lookup.
pub const BULK_LIMIT: usize = 1000;

/// One answer per typed number, in order, from one query.
pub fn lookup_many(
    conn: &mut DbConnection,
    cb: &CbIdentity,
    typed: &[String],
) -> AppResult<Vec<BulkAnswer>> {
    if typed.is_empty() || typed.len() > BULK_LIMIT {
        return Err(AppError::invalid(
            "numbers",
            format!("give 1 to {BULK_LIMIT} certificate numbers"),
        ));
    }
    let normalised: Vec<Result<String, String>> = typed
        .iter()
        .map(|t| normalise_number(&cb.certificate_prefix, t))
        .collect();
    let wanted: Vec<&str> = normalised
        .iter()
        .filter_map(|n| n.as_deref().ok())
        .collect();
    let found = store::by_numbers(conn, &wanted)?;
    typed
        .iter()
        .zip(normalised)
        .map(|(query, number)| {
            let answer = match number {
                Err(why) => BulkAnswer::new(query, BulkOutcome::Malformed, None, Some(why)),
                Ok(number) => match found.iter().find(|(n, _)| *n == number) {
                    Some((_, body)) => BulkAnswer::new(
                        query,
                        BulkOutcome::Found,
                        Some(RawValue::from_string(body.clone()).map_err(AppError::internal)?),
                        None,
                    ),
                    None => BulkAnswer::new(
                        query,
                        BulkOutcome::NotIssued,
                        None,
                        Some(not_issued(cb, &number)),
                    ),
                },
            };
            Ok(answer)
        })
        .collect()
}

/// Most directory results anyone can page through; narrow the query for more.
pub const DIRECTORY_CAP: i64 = 1000;

/// Listed certificates whose holder's name has words starting with the query's words
/// (case and accents ignored), filtered by standard, country and status; a page of at
/// most 100, within the first `DIRECTORY_CAP`.
pub fn directory(conn: &mut DbConnection, query: &DirectoryQuery) -> AppResult<DirectoryPage> {
    let limit = query.limit.unwrap_or(20);
    let offset = query.offset.unwrap_or(0);
    if !(1..=100).contains(&limit) {
        return Err(AppError::invalid("limit", "1 to 100"));
    }
    if offset < 0 || offset + limit > DIRECTORY_CAP {
        return Err(AppError::invalid(
            "offset",
            format!(
                "the directory pages through its first {DIRECTORY_CAP} results: narrow the query"
            ),
        ));
    }
    let typed = query.q.as_deref().unwrap_or("");
    if typed.chars().count() > 200 {
        return Err(AppError::invalid("q", "at most 200 characters"));
    }
    let key = search_key(typed);
    let words: Vec<String> = key
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if !words.is_empty() && words.iter().all(|word| word.chars().count() < 2) {
        return Err(AppError::invalid(
            "q",
            "type at least 2 letters of a word of the name",
        ));
    }
    let country = crate::accounts::domain::country_filter(query.country.as_deref())?;
    let filter = DirectoryFilter {
        words: &words,
        standard: query.standard.as_ref(),
        country: country.as_deref(),
        status: query.status,
    };
    // One more than asked tells whether another page follows.
    let mut rows = store::directory(conn, &filter, (limit + 1, offset))?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let mut seen: Vec<String> = Vec::with_capacity(rows.len());
    let mut items = Vec::with_capacity(rows.len());
    for (number, body) in rows {
        if !seen.contains(&number) {
            items.push(body);
            seen.push(number);
        }
    }
    Ok(DirectoryPage {
        items,
        limit,
        offset,
        next_offset: (more && offset + limit < DIRECTORY_CAP).then_some(offset + limit),
    })
}

/// The PDF of one revision of a certificate, by its number (confidential ones too: the
/// holder shows it to whom it chooses).
pub fn document(
    conn: &mut DbConnection,
    cb: &CbIdentity,
    (typed, revision): (&str, i64),
) -> AppResult<(String, Vec<u8>)> {
    let number = normalise_number(&cb.certificate_prefix, typed)
        .map_err(|why| AppError::invalid("number", why))?;
    let id = store::certificate_id(conn, &number)?
        .ok_or_else(|| AppError::NotFound(not_issued(cb, &number)))?;
    let document = certificates::store::document(conn, &id, revision)?
        .ok_or_else(|| AppError::NotFound(format!("{number} has no revision {revision}")))?;
    Ok((number, document.content))
}

/// Checks a credential: our signature, our issuer, its validity period, and the
/// certificate's status now — a valid signature on a since-withdrawn certificate says so.
pub fn verify_credential(
    conn: &mut DbConnection,
    (keys, cb): (&SigningKeys, &CbIdentity),
    token: &str,
    today: NaiveDate,
) -> AppResult<CredentialCheck> {
    let claims = match keys.verify(token) {
        Ok(claims) => claims,
        Err(why) => return Ok(CredentialCheck::invalid(why, None)),
    };
    let number = claims["credentialSubject"]["certificateNumber"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let revision = claims["credentialSubject"]["revision"].as_i64();
    let current = match store::by_number(conn, &number)? {
        Some((body, _)) => {
            Some(serde_json::from_str::<PublicCertificate>(&body).map_err(AppError::internal)?)
        }
        None => None,
    };
    let status = current.as_ref().map(|c| CurrentStatus {
        number: c.number.clone(),
        status: c.status,
        valid: c.valid,
        revision: c.revision,
        page: c.links.page.clone(),
    });
    let period = |key: &str| {
        claims[key]
            .as_str()
            .and_then(|t| t.get(..10))
            .and_then(|d| d.parse::<NaiveDate>().ok())
    };
    let why_not = if claims["issuer"]["id"] != keys.did.as_str() {
        Some(format!("not issued by {} ({})", cb.name, keys.did))
    } else if current.is_none() {
        Some(not_issued(cb, &number))
    } else if period("validFrom").is_some_and(|from| today < from) {
        Some("not valid yet".to_owned())
    } else if period("validUntil").is_some_and(|until| today > until) {
        Some("its validity period has ended".to_owned())
    } else {
        current.as_ref().and_then(|c| {
            if c.status != CertificateStatus::Active {
                Some(format!("the certificate is {} now", c.status.label()))
            } else if revision != Some(c.revision) {
                Some(format!(
                    "revision {} was superseded: the certificate is at revision {}",
                    revision.unwrap_or(0),
                    c.revision
                ))
            } else {
                None
            }
        })
    };
    Ok(match why_not {
        None => CredentialCheck {
            valid: true,
            signature_valid: true,
            reason: None,
            certificate: status,
        },
        Some(why) => CredentialCheck {
            signature_valid: true,
            ..CredentialCheck::invalid(why, status)
        },
    })
}
