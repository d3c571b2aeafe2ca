//! Rules for organisations and user accounts: what a valid email, password, address and
//! role/organisation pairing is. Pure functions; no HTTP, no SQL.

use rand::Rng;

use super::dto::OrganisationInput;
use crate::auth::Role;
use crate::error::AppResult;
use crate::validate::{optional_text, required_text, Checker};

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Upper bound so nobody can make the server hash megabytes.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Emails are compared and stored trimmed and lower-cased.
pub fn normalise_email(value: &str) -> String {
    value.trim().to_lowercase()
}

pub fn parse_email(value: &str) -> Result<String, String> {
    let email = normalise_email(value);
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    match (valid, email.len() <= 254) {
        (true, true) => Ok(email),
        (true, false) => Err("must be at most 254 characters".into()),
        (false, _) => Err("must be an email address like name@example.com".into()),
    }
}

pub fn parse_password(value: &str) -> Result<String, String> {
    let chars = value.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"))
    } else if chars > MAX_PASSWORD_CHARS {
        Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"))
    } else {
        Ok(value.to_owned())
    }
}

/// A list's country filter: blank is no filter, anything else must be a code (422 naming
/// `country`).
pub fn country_filter(value: Option<&str>) -> crate::error::AppResult<Option<String>> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(parse_country)
        .transpose()
        .map_err(|message| crate::error::AppError::invalid("country", message))
}

pub fn parse_country(value: &str) -> Result<String, String> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 2 && ISO_3166_ALPHA2.split(' ').any(|c| c == code) {
        Ok(code)
    } else {
        Err("must be an ISO 3166-1 alpha-2 country code, e.g. DE or GB".into())
    }
}

fn parse_website(value: Option<&str>) -> Result<Option<String>, String> {
    let website = optional_text(value, 300)?;
    match &website {
        Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => {
            Err("must start with https:// or http://".into())
        }
        _ => Ok(website),
    }
}

/// A validated client organisation, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganisation {
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub website: Option<String>,
}

impl NewOrganisation {
    /// Checks `input`, recording failures under `prefix.<field>`.
    pub fn check(
        input: &OrganisationInput,
        prefix: &str,
        checker: &mut Checker,
    ) -> Option<NewOrganisation> {
        let field = |name: &str| format!("{prefix}.{name}");
        let legal_name = checker.check(&field("legal_name"), required_text(&input.legal_name, 200));
        let trading_name = checker.check(
            &field("trading_name"),
            optional_text(input.trading_name.as_deref(), 200),
        );
        let street = checker.check(&field("street"), required_text(&input.street, 200));
        let city = checker.check(&field("city"), required_text(&input.city, 100));
        let postcode = checker.check(&field("postcode"), required_text(&input.postcode, 20));
        let country = checker.check(&field("country"), parse_country(&input.country));
        let website = checker.check(&field("website"), parse_website(input.website.as_deref()));
        Some(NewOrganisation {
            legal_name: legal_name?,
            trading_name: trading_name?,
            street: street?,
            city: city?,
            postcode: postcode?,
            country: country?,
            website: website?,
        })
    }
}

/// A validated user account, ready to store (the password is still in clear; hash it).
#[derive(Clone, PartialEq)]
pub struct NewUser {
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub password: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("full_name", &self.full_name)
            .field("role", &self.role)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl NewUser {
    pub fn check(
        email: &str,
        full_name: &str,
        role: Role,
        password: &str,
        checker: &mut Checker,
    ) -> Option<NewUser> {
        let email = checker.check("email", parse_email(email));
        let full_name = checker.check("full_name", required_text(full_name, 200));
        let password = checker.check("password", parse_password(password));
        Some(NewUser {
            email: email?,
            full_name: full_name?,
            role,
            password: password?,
        })
    }
}

/// Client users belong to exactly one organisation; CB staff to none. The answer is the
/// reference as given (an organisation's id or its client id), looked up when stored.
pub fn check_membership(
    role: Role,
    organisation_id: Option<&str>,
) -> Result<Option<String>, String> {
    match (
        role == Role::Applicant,
        organisation_id.map(str::trim).filter(|id| !id.is_empty()),
    ) {
        (true, None) => Err("is required for the applicant role".into()),
        (false, Some(_)) => Err("must be empty for staff and relying parties".into()),
        (_, org) => Ok(org.map(str::to_owned)),
    }
}

/// The raw fields of an account created by an admin (API or CLI).
pub struct AccountFields<'a> {
    pub email: &'a str,
    pub full_name: &'a str,
    pub role: Role,
    pub organisation_id: Option<&'a str>,
    pub password: &'a str,
}

/// Validates an admin-created account: the user and, for applicants, their organisation.
pub fn validate_account(fields: AccountFields<'_>) -> AppResult<(NewUser, Option<String>)> {
    let mut checker = Checker::new();
    let user = NewUser::check(
        fields.email,
        fields.full_name,
        fields.role,
        fields.password,
        &mut checker,
    );
    let membership = checker.check(
        "organisation_id",
        check_membership(fields.role, fields.organisation_id),
    );
    checker.finish((user, membership))
}

/// A client id for registers and correspondence: stable, short, unambiguous to read aloud
/// (Crockford base32: no I, L, O or U).
pub fn generate_client_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    let code: String = (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("C-{code}")
}

/// ISO 3166-1 alpha-2: the officially assigned codes.
pub const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL \
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC \
EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU \
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA \
MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE \
PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX \
SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_an_at_and_a_dotted_domain() {
        assert_eq!(
            parse_email("  Anna@Example.COM "),
            Ok("anna@example.com".into())
        );
        for bad in [
            "anna.example.com",
            "@example.com",
            "anna@example",
            "anna@.com",
            "a b@c.de",
            "a@b@c.de",
        ] {
            assert!(parse_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn countries_are_iso_codes() {
        assert_eq!(ISO_3166_ALPHA2.split(' ').count(), 249);
        assert_eq!(parse_country("de"), Ok("DE".into()));
        assert!(parse_country("XX").is_err());
        assert!(parse_country("DEU").is_err());
    }

    #[test]
    fn applicants_need_an_organisation_and_staff_must_not_have_one() {
        assert_eq!(
            check_membership(Role::Applicant, Some("org")),
            Ok(Some("org".into()))
        );
        assert!(check_membership(Role::Applicant, None).is_err());
        assert!(check_membership(Role::Applicant, Some("  ")).is_err());
        assert!(check_membership(Role::Auditor, Some("org")).is_err());
        assert_eq!(check_membership(Role::Auditor, None), Ok(None));
    }

    #[test]
    fn an_account_reports_every_bad_field_at_once() {
        let fields = AccountFields {
            email: "no-at-sign",
            full_name: " ",
            role: Role::Applicant,
            organisation_id: None,
            password: "short",
        };
        match validate_account(fields) {
            Err(crate::error::AppError::Validation(errors)) => {
                let names: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(names, ["email", "full_name", "password", "organisation_id"]);
            }
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    #[test]
    fn passwords_have_bounds_in_characters() {
        assert!(parse_password("elevenchars").is_err());
        assert!(parse_password("twelve chars").is_ok());
        assert!(parse_password(&"x".repeat(129)).is_err());
    }

    #[test]
    fn client_ids_are_short_and_unambiguous() {
        let id = generate_client_id();
        assert_eq!(id.len(), 10);
        assert!(id[2..]
            .chars()
            .all(|c| c.is_ascii_digit() || "ABCDEFGHJKMNPQRSTVWXYZ".contains(c)));
    }
}
