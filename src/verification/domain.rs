//! What anyone may learn about a certificate (ISO/IEC 17021-1 8.1.2, 9.6.5.3): the public
//! answer and the directory's search keys. Nothing private: no contacts, findings, notes,
//! users, internal ids, street addresses or the reasons behind a status change. (The PDF it
//! links is the certificate as issued, which names each site's address as 8.2.2 requires
//! and which its holder shows to whom it chooses.)

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use crate::certificates::domain::{CertificateStatus, CertifiedContent, TransferOrigin};

/// The public answer about one certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicCertificate {
    pub number: String,
    pub status: CertificateStatus,
    /// True while active. A certificate past its expiry date turns `expired` when the
    /// hourly expiry job runs: check `expires_on` too.
    pub valid: bool,
    /// When the current status began.
    pub status_since: NaiveDate,
    pub holder: PublicHolder,
    /// The standard with its edition, e.g. `ISO/IEC 20000-1:2018`.
    pub standard: String,
    pub scope: String,
    pub sites: Vec<PublicSite>,
    /// `initial certification`, `recertification`, `transfer`.
    pub certification_type: String,
    pub transferred_from: Option<TransferOrigin>,
    pub original_grant_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revision: i64,
    /// Every revision; all but the current one are superseded.
    pub revisions: Vec<PublicRevision>,
    pub certification_body: PublicIssuer,
    /// The status changes, oldest first, without their internal reasons.
    pub history: Vec<PublicEvent>,
    /// The page for people, and the current revision's PDF.
    pub links: PublicLinks,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicHolder {
    pub name: String,
    pub trading_name: Option<String>,
    pub city: String,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicSite {
    pub name: String,
    pub city: String,
    pub country: String,
    pub scope: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicRevision {
    pub revision: i64,
    pub issued_on: NaiveDate,
    pub superseded_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicIssuer {
    pub name: String,
    pub address: String,
    /// The accreditation body; absent for unaccredited certification.
    pub accreditation_body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicEvent {
    pub on: NaiveDate,
    pub status: CertificateStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicLinks {
    pub page: String,
    pub document: String,
}

/// What the public answer is made from.
pub struct Published<'a> {
    pub number: &'a str,
    pub status: CertificateStatus,
    pub content: &'a CertifiedContent,
    pub revisions: Vec<PublicRevision>,
    pub history: Vec<PublicEvent>,
    pub links: PublicLinks,
}

impl PublicCertificate {
    pub fn new(published: Published<'_>) -> PublicCertificate {
        let content = published.content;
        let status_since = published
            .history
            .last()
            .map_or(content.issued_on, |event| event.on);
        PublicCertificate {
            number: published.number.to_owned(),
            status: published.status,
            valid: published.status == CertificateStatus::Active,
            status_since,
            holder: PublicHolder {
                name: content.holder.legal_name.clone(),
                trading_name: content.holder.trading_name.clone(),
                city: content.holder.city.clone(),
                country: content.holder.country.clone(),
            },
            standard: content.standard.clone(),
            scope: content.scope.clone(),
            sites: content
                .sites
                .iter()
                .map(|site| PublicSite {
                    name: site.name.clone(),
                    city: site.city.clone(),
                    country: site.country.clone(),
                    scope: site.scope.clone(),
                })
                .collect(),
            certification_type: content.certification_type.clone(),
            transferred_from: content.transferred_from.clone(),
            original_grant_on: content.original_grant_on,
            issued_on: content.issued_on,
            expires_on: content.expires_on,
            revision: content.revision,
            revisions: published.revisions,
            certification_body: PublicIssuer {
                name: content.certification_body.name.clone(),
                address: content.certification_body.address.clone(),
                accreditation_body: content.certification_body.accreditation_body.clone(),
            },
            history: published.history,
            links: published.links,
        }
    }
}

/// Text as the directory compares it: lowercase, accents and other marks removed
/// (`Müller` → `muller`), letters that do not decompose spelled out (`ß` → `ss`), any run of
/// other characters one space. The same on SQLite and PostgreSQL, because the service
/// writes it.
pub fn search_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    let mut space = false;
    let lowered = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase);
    for c in lowered {
        let spelled: &str = match c {
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            'ø' => "o",
            'ł' => "l",
            'đ' => "d",
            'þ' => "th",
            _ => "",
        };
        if !spelled.is_empty() {
            key.push_str(spelled);
            space = false;
        } else if c.is_alphanumeric() {
            key.push(c);
            space = false;
        } else if !space && !key.is_empty() {
            key.push(' ');
            space = true;
        }
    }
    key.trim_end().to_owned()
}

/// The distinct words of a name's search key, each of which a directory query may start.
pub fn words(key: &str) -> Vec<String> {
    let mut words: Vec<String> = key.split(' ').map(str::to_owned).collect();
    words.sort();
    words.dedup();
    words.retain(|word| !word.is_empty());
    words
}

/// Whether `name` (as someone typed it) names the holder with `holder_key`: each of its
/// words starts a word of the holder's names, case and accents ignored.
pub fn names_holder(name: &str, holder_key: &str) -> bool {
    let holder = words(holder_key);
    let named = words(&search_key(name));
    !named.is_empty()
        && named
            .iter()
            .all(|word| holder.iter().any(|h| h.starts_with(word.as_str())))
}

/// The smallest string after every string starting with `prefix`, for a range scan.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_name_names_a_holder_when_each_word_starts_one_of_its_words() {
        let holder = search_key("Müller-Lüdenscheidt IT Services GmbH");
        assert!(names_holder("muller ludenscheidt", &holder));
        assert!(names_holder("Müller IT GmbH", &holder));
        assert!(!names_holder("Initech Hosting", &holder));
        assert!(!names_holder("  ", &holder));
    }

    #[test]
    fn search_keys_ignore_case_accents_and_punctuation() {
        assert_eq!(search_key("Müller & Söhne GmbH"), "muller sohne gmbh");
        assert_eq!(search_key("  STRAẞE-Bau  AG"), "strasse bau ag");
        assert_eq!(search_key("Łódź Øresund Æon"), "lodz oresund aeon");
        assert_eq!(search_key("Café—Crème, s.r.o."), "cafe creme s r o");
        assert_eq!(search_key("ＡＢＣ ﬁnance"), "abc finance");
        assert_eq!(words("muller sohne muller"), ["muller", "sohne"]);
        let end = prefix_end("mul");
        assert!("muller" < end.as_str() && "mum" > end.as_str());
    }
}
