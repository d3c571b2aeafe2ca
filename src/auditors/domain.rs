//! Competence and impartiality of the CB's people (ISO/IEC 17021-1 7.1, 7.2, 5.2): who is
//! qualified to audit what, on which dates, and who may not work for a client.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    /// What a qualification lets a person be on an audit team.
    pub enum Grade {
        Auditor = "auditor",
        LeadAuditor = "lead_auditor",
        TechnicalExpert = "technical_expert",
    }
}

crate::text_enum! {
    /// A place on an audit team (17021-1 9.2.2).
    pub enum TeamRole {
        LeadAuditor = "lead_auditor",
        Auditor = "auditor",
        TechnicalExpert = "technical_expert",
        /// Attends without auditing (e.g. an accreditation assessor, a trainee): no
        /// qualification is required and an observer covers no sector.
        Observer = "observer",
    }
}

impl TeamRole {
    /// The grades that qualify for this place: a lead auditor may also audit.
    pub fn accepted_grades(self) -> &'static [Grade] {
        match self {
            TeamRole::LeadAuditor => &[Grade::LeadAuditor],
            TeamRole::Auditor => &[Grade::Auditor, Grade::LeadAuditor],
            TeamRole::TechnicalExpert => &[Grade::TechnicalExpert],
            TeamRole::Observer => &[],
        }
    }
}

/// One qualification as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Competence {
    pub grade: Grade,
    pub sector_codes: Vec<u8>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// The sector codes a person covers in `role` for an audit from `starts_on` to `ends_on`,
/// or why they may not take the place. A qualification counts only when it is valid on
/// every day of the audit: one that lapses before the last day does not.
pub fn qualifies(
    held: &[Competence],
    role: TeamRole,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<Vec<u8>, String> {
    if role == TeamRole::Observer {
        return Ok(Vec::new());
    }
    let matching: Vec<&Competence> = held
        .iter()
        .filter(|c| role.accepted_grades().contains(&c.grade))
        .collect();
    if matching.is_empty() {
        return Err(format!(
            "holds no {} qualification for this standard",
            role.label()
        ));
    }
    let mut codes: Vec<u8> = matching
        .iter()
        .filter(|c| c.valid_from <= starts_on && ends_on <= c.valid_until)
        .flat_map(|c| c.sector_codes.iter().copied())
        .collect();
    if codes.is_empty() {
        let lapsed = matching.iter().map(|c| c.valid_until).max();
        return Err(match lapsed {
            Some(until) if until < ends_on => format!(
                "the {} qualification for this standard is valid until {until}, before the audit ends",
                role.label()
            ),
            _ => format!(
                "the {} qualification for this standard is not yet valid on the audit's dates",
                role.label()
            ),
        });
    }
    codes.sort_unstable();
    codes.dedup();
    Ok(codes)
}

/// The audit's sector codes that no auditing member of the team covers (IAF: the team as
/// a whole must be competent for every code in scope).
pub fn uncovered_sectors(in_scope: &[u8], covered: &[u8]) -> Vec<u8> {
    in_scope
        .iter()
        .copied()
        .filter(|code| !covered.contains(code))
        .collect()
}

/// A declared conflict of interest, for a period (open-ended without an end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl Period {
    pub fn overlaps(&self, starts_on: NaiveDate, ends_on: NaiveDate) -> bool {
        self.from <= ends_on && self.until.is_none_or(|until| starts_on <= until)
    }
}

/// How long consultancy given by a person bars them from the client (17021-1 5.2.10).
pub const CONSULTANCY_BAR_YEARS: u32 = 2;

/// The period in which consultancy bars its consultant from the client: until two years
/// after it ended, and for as long as it goes on (`ended_on` absent).
pub fn consultancy_bar(ended_on: Option<NaiveDate>) -> Period {
    Period {
        from: NaiveDate::MIN,
        until: ended_on.map(|end| {
            end.checked_add_months(Months::new(12 * CONSULTANCY_BAR_YEARS))
                .unwrap_or(NaiveDate::MAX)
        }),
    }
}

/// Does a consultancy entry's named person mean this staff member? Names are compared
/// without case and surrounding space; an email address matches too.
pub fn names_person(named: &str, full_name: &str, email: &str) -> bool {
    let named = named.trim().to_lowercase();
    !named.is_empty() && (named == full_name.trim().to_lowercase() || named == email.to_lowercase())
}

/// Days before a qualification lapses when its holder and the admins are reminded.
pub const LAPSE_REMINDERS: [i64; 3] = [90, 60, 30];

/// The reminder due for a qualification valid until `valid_until`, as of `today`: the
/// nearest threshold reached, if the qualification has not lapsed. Jobs record each one
/// sent, so a missed run still sends the latest due one, and only once.
pub fn lapse_reminder_due(valid_until: NaiveDate, today: NaiveDate) -> Option<i64> {
    let left = (valid_until - today).num_days();
    if left < 0 {
        return None;
    }
    LAPSE_REMINDERS
        .iter()
        .copied()
        .filter(|threshold| left <= *threshold)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn lead(codes: &[u8], from: &str, until: &str) -> Competence {
        Competence {
            grade: Grade::LeadAuditor,
            sector_codes: codes.to_vec(),
            valid_from: day(from),
            valid_until: day(until),
        }
    }

    #[test]
    fn a_qualification_counts_only_when_valid_on_every_audit_day() {
        let held = [lead(&[33, 35], "2025-01-01", "2027-03-10")];
        let audit = |start, end| qualifies(&held, TeamRole::LeadAuditor, day(start), day(end));
        assert_eq!(audit("2027-03-09", "2027-03-10"), Ok(vec![33, 35]));
        let lapsing = audit("2027-03-10", "2027-03-11").unwrap_err();
        assert!(lapsing.contains("valid until 2027-03-10"), "{lapsing}");
        assert!(audit("2024-12-31", "2025-01-01").is_err());
        // A lead auditor may audit; an auditor may not lead; observers need nothing.
        assert!(qualifies(
            &held,
            TeamRole::Auditor,
            day("2026-01-01"),
            day("2026-01-02")
        )
        .is_ok());
        let auditor = [Competence {
            grade: Grade::Auditor,
            ..lead(&[33], "2025-01-01", "2030-01-01")
        }];
        assert!(qualifies(
            &auditor,
            TeamRole::LeadAuditor,
            day("2026-01-01"),
            day("2026-01-01")
        )
        .is_err());
        assert_eq!(
            qualifies(
                &[],
                TeamRole::Observer,
                day("2026-01-01"),
                day("2026-01-01")
            ),
            Ok(vec![])
        );
    }

    #[test]
    fn the_team_must_cover_every_sector_in_scope() {
        assert_eq!(uncovered_sectors(&[33, 35, 19], &[35, 33]), vec![19]);
        assert!(uncovered_sectors(&[33], &[33, 35]).is_empty());
    }

    #[test]
    fn consultancy_bars_its_consultant_for_two_years_after_it_ended() {
        let bar = consultancy_bar(Some(day("2025-06-30")));
        assert!(bar.overlaps(day("2027-06-30"), day("2027-06-30")));
        assert!(!bar.overlaps(day("2027-07-01"), day("2027-07-02")));
        let ongoing = consultancy_bar(None);
        assert!(ongoing.overlaps(day("2040-12-31"), day("2041-01-01")));
        assert!(names_person(" Jane Doe ", "jane doe", "jd@cb.example"));
        assert!(names_person("JD@cb.example", "Jane Doe", "jd@cb.example"));
        assert!(!names_person("", "", "jd@cb.example"));
    }

    #[test]
    fn reminders_come_at_90_60_and_30_days_and_stop_at_the_lapse() {
        let until = day("2026-12-31");
        let on = |d: &str| lapse_reminder_due(until, day(d));
        assert_eq!(on("2026-10-01"), None); // 91 days left
        assert_eq!(on("2026-10-02"), Some(90));
        assert_eq!(on("2026-11-01"), Some(60));
        assert_eq!(on("2026-12-01"), Some(30));
        assert_eq!(on("2026-12-31"), Some(30));
        assert_eq!(on("2027-01-01"), None);
    }
}
