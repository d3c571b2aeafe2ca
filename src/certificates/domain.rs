//! Certificates (ISO/IEC 17021-1 8.2, 9.6.5; IAF MD 28): numbers people can type, the
//! status lifecycle and the content each revision certifies.

use chrono::{Months, NaiveDate};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    /// One-to-one with the IAF CertSearch register's statuses (`register_status`).
    pub enum CertificateStatus {
        Active = "active",
        /// Temporarily invalid (9.6.5), until reinstated or withdrawn.
        Suspended = "suspended",
        Withdrawn = "withdrawn",
        Expired = "expired",
    }
}

impl CertificateStatus {
    /// The status as the IAF CertSearch upload (MD 28) names it.
    pub fn register_status(self) -> &'static str {
        match self {
            CertificateStatus::Active => "Active",
            CertificateStatus::Suspended => "Suspended",
            CertificateStatus::Withdrawn => "Withdrawn",
            CertificateStatus::Expired => "Expired",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateStep {
    Suspend,
    Reinstate,
    Withdraw,
    Expire,
    /// Back in force because an appeal against its suspension or withdrawal was upheld
    /// (17021-1 9.7); only the appeals stage takes this step.
    RestoreOnAppeal,
}

pub fn next_status(
    from: CertificateStatus,
    step: CertificateStep,
) -> Result<CertificateStatus, String> {
    use CertificateStatus::*;
    use CertificateStep::*;
    match (from, step) {
        (Active, Suspend) => Ok(Suspended),
        (Suspended, Reinstate) => Ok(Active),
        (Active | Suspended, Withdraw) => Ok(Withdrawn),
        (Active | Suspended, Expire) => Ok(Expired),
        (Suspended | Withdrawn, RestoreOnAppeal) => Ok(Active),
        (Active, RestoreOnAppeal) => Err("the certificate is active".into()),
        (Withdrawn | Expired, _) => Err(format!("the certificate is {}", from.label())),
        (Suspended, Suspend) => Err("the certificate is already suspended".into()),
        (Active, Reinstate) => Err("only a suspended certificate is reinstated".into()),
    }
}

/// A change of the certified scope: a new revision either way (17021-1 9.6.4, 9.6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeChange {
    /// Narrower: only sites already certified, e.g. instead of suspension.
    Reduction,
    /// Wider: new sites or activities, after a special audit that covered them.
    Extension,
    /// Back to what a reduction took away, when an appeal against it was upheld (9.7).
    Restoration,
}

impl ScopeChange {
    /// As the audit trail's action and the client's mail say it: `scope_reduced`.
    pub fn past_tense(self) -> &'static str {
        match self {
            ScopeChange::Reduction => "reduced",
            ScopeChange::Extension => "extended",
            ScopeChange::Restoration => "restored",
        }
    }
}

/// How long a suspension may last unless the decision maker sets a date (17021-1 9.6.5
/// expects most suspensions to end within 6 months).
pub fn default_restore_by(suspended_on: NaiveDate) -> NaiveDate {
    suspended_on
        .checked_add_months(Months::new(6))
        .unwrap_or(NaiveDate::MAX)
}

/// Validity of a certificate from its decision: three years (9.1.3, 9.6.3).
pub fn expiry_from(decided_on: NaiveDate) -> NaiveDate {
    crate::programmes::domain::expiry_after(decided_on)
}

/// How long after expiry a recertification may still restore the certificate (17021-1
/// 9.6.3.2: within 6 months, with the outstanding recertification activities completed).
pub const RESTORATION_MONTHS: u32 = 6;

/// What a recertification grant does to the certificate (17021-1 9.6.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Decided before expiry: the certificate stays active, its new cycle continues.
    Continued,
    /// Decided within 6 months after expiry: the expired certificate is active again.
    Restored,
}

/// Whether a certificate in `status`, expiring on `expires_on`, can be renewed by a
/// recertification decided on `today`; `Err` says why not. One that expired while
/// suspended is not restored: its suspension was never lifted.
pub fn renewal(
    (status, expires_on): (CertificateStatus, NaiveDate),
    suspended_at_expiry: bool,
    today: NaiveDate,
) -> Result<Renewal, String> {
    let restorable_until = expires_on
        .checked_add_months(Months::new(RESTORATION_MONTHS))
        .unwrap_or(NaiveDate::MAX);
    match status {
        CertificateStatus::Withdrawn => Err(
            "the certificate was withdrawn: certification starts again with an initial audit"
                .into(),
        ),
        CertificateStatus::Suspended => Err(
            "the certificate is suspended: reinstate or withdraw it before deciding on recertification"
                .into(),
        ),
        CertificateStatus::Expired if suspended_at_expiry => Err(
            "the certificate expired while suspended: its suspension was never lifted, so it is not restored"
                .into(),
        ),
        CertificateStatus::Active if today <= expires_on => Ok(Renewal::Continued),
        // Active past its expiry only until the expiry job runs.
        CertificateStatus::Active | CertificateStatus::Expired if today <= restorable_until => {
            Ok(Renewal::Restored)
        }
        CertificateStatus::Active | CertificateStatus::Expired => Err(format!(
            "the certificate expired on {expires_on}, more than {RESTORATION_MONTHS} months ago: it is restored only after at least a stage 2 audit (ISO/IEC 17021-1 9.6.3.2)"
        )),
    }
}

/// The expiry after a recertification: the prior cycle's expiry plus three years, whether
/// decided before it or within the restoration period (17021-1 9.6.3.2).
pub fn renewed_expiry(expires_on: NaiveDate) -> NaiveDate {
    expiry_from(expires_on.succ_opt().unwrap_or(expires_on))
}

/// Crockford's base 32: no I, L, O or U, so nothing is misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Luhn mod 32 over `body`'s characters: catches every single wrong character and most
/// swapped neighbours.
fn check_character(body: &[u8]) -> Option<char> {
    let mut sum = 0usize;
    for (i, c) in body.iter().rev().enumerate() {
        let value = ALPHABET.iter().position(|a| a == c)?;
        let value = if i % 2 == 0 { value * 2 } else { value };
        sum += value / 32 + value % 32;
    }
    Some(ALPHABET[(32 - sum % 32) % 32] as char)
}

/// A fresh random number: `PREFIX-XXXX-XXXX-C`, where C checks the eight others.
pub fn new_number(prefix: &str, rng: &mut impl Rng) -> String {
    let body: Vec<u8> = (0..8).map(|_| ALPHABET[rng.random_range(0..32)]).collect();
    let check = check_character(&body).unwrap_or('0');
    let text = String::from_utf8_lossy(&body).into_owned();
    format!("{prefix}-{}-{}-{check}", &text[..4], &text[4..])
}

/// A number as typed (any case, spaces or dashes, the letters O, I and L for 0, 1 and 1),
/// written the way it was issued, or why it cannot be one of ours.
pub fn normalise_number(prefix: &str, typed: &str) -> Result<String, String> {
    let cleaned: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let prefix = prefix.to_ascii_uppercase();
    let Some(rest) = cleaned.strip_prefix(&prefix) else {
        return Err(format!("certificate numbers start with {prefix}-"));
    };
    let rest: Vec<u8> = rest
        .bytes()
        .map(|c| match c {
            b'O' => b'0',
            b'I' | b'L' => b'1',
            other => other,
        })
        .collect();
    if rest.len() != 9 || rest.iter().any(|c| !ALPHABET.contains(c)) {
        return Err(format!(
            "a certificate number is {prefix}- and nine letters or digits, e.g. {prefix}-7K2M-9QXA-Y"
        ));
    }
    if check_character(&rest[..8]) != Some(rest[8] as char) {
        return Err("the check character does not match: a character is mistyped".into());
    }
    let text = String::from_utf8_lossy(&rest).into_owned();
    Ok(format!(
        "{prefix}-{}-{}-{}",
        &text[..4],
        &text[4..8],
        &text[8..]
    ))
}

/// What one revision of a certificate certifies, stored as issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CertifiedContent {
    pub holder: Holder,
    /// The standard with its edition, e.g. `ISO/IEC 20000-1:2018`.
    pub standard: String,
    pub scope: String,
    pub sites: Vec<CertifiedSite>,
    pub original_grant_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revision: i64,
    /// `initial certification`, `recertification`, `transfer`.
    pub certification_type: String,
    pub certification_body: Issuer,
    /// Where a transferred certification came from (IAF MD 2).
    #[serde(default)]
    pub transferred_from: Option<TransferOrigin>,
}

/// The certification body and certificate a transfer took over (IAF MD 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TransferOrigin {
    pub certification_body: String,
    pub certificate_number: String,
    #[serde(default)]
    pub accreditation_body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Holder {
    pub legal_name: String,
    #[serde(default)]
    pub trading_name: Option<String>,
    /// The CB's client id: the certified entity's unique id in the register.
    pub client_id: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CertifiedSite {
    pub name: String,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub scope: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Issuer {
    pub name: String,
    pub address: String,
    #[serde(default)]
    pub register_id: Option<String>,
    /// The accreditation body; absent for unaccredited certification.
    #[serde(default)]
    pub accreditation_body: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn numbers_catch_a_mistyped_or_swapped_character() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let number = new_number("CB", &mut rng);
            assert_eq!(normalise_number("CB", &number), Ok(number.clone()));
            assert_eq!(
                normalise_number("CB", &number.to_lowercase().replace('-', " ")),
                Ok(number.clone())
            );
            let chars: Vec<char> = number.chars().collect();
            // Every single substitution in the body is caught.
            for position in [3, 4, 5, 6, 8, 9, 10, 11] {
                for replacement in ALPHABET.iter().map(|b| *b as char) {
                    if replacement == chars[position] {
                        continue;
                    }
                    let mut typo = chars.clone();
                    typo[position] = replacement;
                    let typo: String = typo.into_iter().collect();
                    assert!(
                        normalise_number("CB", &typo).is_err(),
                        "{typo} passed for {number}"
                    );
                }
            }
        }
        assert!(normalise_number("CB", "XX-0000-0000-0").is_err());
        assert!(normalise_number("CB", "CB-0000-000").is_err());
    }

    #[test]
    fn recertification_continues_the_cycle_or_restores_within_six_months() {
        let date = |s: &str| s.parse::<NaiveDate>().unwrap();
        let expires = date("2029-11-27");
        assert_eq!(renewed_expiry(expires), date("2032-11-27"));
        assert_eq!(renewed_expiry(date("2029-02-28")), date("2032-02-29"));
        use CertificateStatus::*;
        let on = |status, day| renewal((status, expires), false, date(day));
        assert_eq!(on(Active, "2029-11-27"), Ok(Renewal::Continued));
        assert_eq!(on(Active, "2029-11-28"), Ok(Renewal::Restored));
        assert_eq!(on(Expired, "2030-05-27"), Ok(Renewal::Restored));
        assert!(on(Expired, "2030-05-28").is_err());
        assert!(on(Suspended, "2029-10-01").is_err());
        assert!(on(Withdrawn, "2029-10-01").is_err());
        assert!(renewal((Expired, expires), true, date("2029-12-01")).is_err());
    }

    #[test]
    fn suspension_is_temporary_and_withdrawal_final() {
        use CertificateStatus::*;
        use CertificateStep::*;
        assert_eq!(next_status(Active, Suspend), Ok(Suspended));
        assert_eq!(next_status(Suspended, Reinstate), Ok(Active));
        assert_eq!(next_status(Suspended, Withdraw), Ok(Withdrawn));
        assert!(next_status(Withdrawn, Reinstate).is_err());
        assert!(next_status(Expired, Suspend).is_err());
        assert!(next_status(Active, Reinstate).is_err());
        assert_eq!(
            default_restore_by("2026-08-31".parse().unwrap()),
            "2027-02-28".parse().unwrap()
        );
    }
}
