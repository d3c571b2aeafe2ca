//! Rules of the standards catalogue: clause references and audit-time tables.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    /// The complexity category a band belongs to. Tables such as IAF MD 5's EMS table have a
    /// column per category, chosen in the review; tables without categories use `any`.
    #[derive(Default)]
    pub enum Complexity {
        #[default]
        Any = "any",
        High = "high",
        Medium = "medium",
        Low = "low",
        Limited = "limited",
    }
}

/// One band of an audit-time table: effective personnel from `min_personnel` up to
/// `max_personnel`. Every band ends: beyond the last one IAF MD 5 says "follow progression",
/// which the review does by entering the days with a justification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditTimeBand {
    /// `any` for a table without complexity categories.
    #[serde(default)]
    pub complexity: Complexity,
    pub min_personnel: i64,
    pub max_personnel: Option<i64>,
    /// Stage 1 + stage 2, in auditor days.
    pub initial_days: f64,
    pub surveillance_days: f64,
    pub recertification_days: f64,
}

/// Largest reduction of a table's audit time the adjustments may add up to (IAF MD 5; the
/// EA FAQ on MD 5 reads the 30 % as a limit on the sum of the reduction factors).
pub const MAX_REDUCTION_PERCENT: f64 = 30.0;

/// The complexity categories a table distinguishes; empty for a table without them.
pub fn categories(bands: &[AuditTimeBand]) -> Vec<Complexity> {
    let mut found: Vec<Complexity> = Vec::new();
    for band in bands {
        if band.complexity != Complexity::Any && !found.contains(&band.complexity) {
            found.push(band.complexity);
        }
    }
    found
}

/// The bands of one complexity category (`any` for a table without categories).
pub fn bands_of(bands: &[AuditTimeBand], complexity: Complexity) -> Vec<AuditTimeBand> {
    bands
        .iter()
        .filter(|band| band.complexity == complexity)
        .cloned()
        .collect()
}

/// Checks a table: either no categories at all, or every band in one; each category's bands
/// tiled as `check_band_run` wants.
pub fn check_bands(bands: &[AuditTimeBand]) -> Result<(), String> {
    let found = categories(bands);
    if found.is_empty() {
        return check_band_run(bands);
    }
    if bands.iter().any(|band| band.complexity == Complexity::Any) {
        return Err("give every band a complexity category, or none".into());
    }
    for category in found {
        check_band_run(&bands_of(bands, category))
            .map_err(|problem| format!("{category}: {problem}"))?;
    }
    Ok(())
}

/// Checks that bands start at 1, follow each other without gaps or overlaps, all end, and
/// have positive days.
fn check_band_run(bands: &[AuditTimeBand]) -> Result<(), String> {
    let Some(first) = bands.first() else {
        return Err("needs at least one band".into());
    };
    if first.min_personnel != 1 {
        return Err("the first band must start at 1 person".into());
    }
    for (i, band) in bands.iter().enumerate() {
        // At least one initial day: stage 1 and stage 2 each need half a day.
        if band.initial_days < 1.0
            || band.surveillance_days <= 0.0
            || band.recertification_days <= 0.0
        {
            return Err(format!("band {} needs at least 1 initial day and positive surveillance and recertification days", i + 1));
        }
        match (band.max_personnel, bands.get(i + 1)) {
            (Some(max), Some(next))
                if max >= band.min_personnel && next.min_personnel == max + 1 => {}
            (Some(max), None) if max >= band.min_personnel => {}
            (None, _) => {
                return Err(format!(
                    "band {} needs max_personnel: tables end where their source ends, and the \
                     review enters the days beyond the last band (IAF MD 5: follow progression)",
                    i + 1
                ))
            }
            (Some(_), _) => {
                return Err(format!(
                    "band {} must end just before band {} starts",
                    i + 1,
                    i + 2
                ))
            }
        }
    }
    Ok(())
}

/// The largest personnel the table covers (bands checked with `check_bands`).
pub fn table_end(bands: &[AuditTimeBand]) -> Option<i64> {
    bands.last().and_then(|band| band.max_personnel)
}

/// The band for `personnel` people (bands checked with `check_bands`).
pub fn band_for(bands: &[AuditTimeBand], personnel: i64) -> Option<&AuditTimeBand> {
    bands.iter().find(|band| {
        personnel >= band.min_personnel && band.max_personnel.is_none_or(|max| personnel <= max)
    })
}

/// Audit days are planned in half days.
pub fn half_days(days: f64) -> f64 {
    ((days * 2.0).round() / 2.0).max(0.5)
}

/// A clause reference as standards number them: `4`, `8.5`, `8.5.1`, or an annex entry `A.5`.
pub fn parse_clause(value: &str) -> Result<String, String> {
    let clause = value.trim();
    let mut parts = clause.split('.');
    let first = parts.next().unwrap_or_default();
    let first_ok =
        first.chars().all(|c| c.is_ascii_digit()) && !first.is_empty() && first.len() <= 3
            || first.len() == 1 && first.chars().all(|c| c.is_ascii_uppercase());
    let rest_ok =
        parts.all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()));
    if first_ok && rest_ok && clause.len() <= 20 {
        Ok(clause.to_owned())
    } else {
        Err(format!(
            "{clause:?} is not a clause reference like 8.5 or A.5"
        ))
    }
}

/// A short QMS-like table for unit tests here and in `applications`.
#[cfg(test)]
pub(crate) fn sample_bands() -> Vec<AuditTimeBand> {
    let band = |min, max, initial: f64| AuditTimeBand {
        complexity: Complexity::Any,
        min_personnel: min,
        max_personnel: max,
        initial_days: initial,
        surveillance_days: half_days(initial / 3.0),
        recertification_days: half_days(initial * 2.0 / 3.0),
    };
    vec![
        band(1, Some(5), 1.5),
        band(6, Some(10), 2.0),
        band(11, Some(15), 2.5),
        band(16, Some(25), 3.0),
    ]
}

/// IAF sector codes run from 1 (agriculture) to 39 (other social services).
const IAF_SECTORS: std::ops::RangeInclusive<u8> = 1..=39;

/// The codes, when each is an IAF sector code.
pub fn check_sector_codes(codes: &[u8]) -> Result<Vec<u8>, String> {
    match codes.iter().find(|code| !IAF_SECTORS.contains(code)) {
        Some(code) => Err(format!("{code} is not an IAF sector code (1 to 39)")),
        None => Ok(codes.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_found_at_their_boundaries_and_must_tile() {
        let bands = sample_bands();
        assert!(check_bands(&bands).is_ok());
        let initial = |n| band_for(&bands, n).map(|b| b.initial_days);
        assert_eq!(
            [
                initial(1),
                initial(5),
                initial(6),
                initial(10),
                initial(11),
                initial(16),
                initial(25),
                initial(26)
            ],
            [
                Some(1.5),
                Some(1.5),
                Some(2.0),
                Some(2.0),
                Some(2.5),
                Some(3.0),
                Some(3.0),
                None
            ]
        );
        assert_eq!(table_end(&bands), Some(25));
        assert_eq!(initial(0), None);
        let mut gap = sample_bands();
        gap[1].min_personnel = 7;
        assert!(check_bands(&gap).is_err());
        let mut open_ended = sample_bands();
        open_ended[3].max_personnel = None;
        assert!(check_bands(&open_ended).is_err());
        assert!(check_bands(&[]).is_err());
        // With categories, each one tiles on its own; mixing in an uncategorised band is refused.
        let categorised = |complexity| {
            sample_bands()
                .into_iter()
                .map(|band| AuditTimeBand { complexity, ..band })
                .collect::<Vec<_>>()
        };
        let mut both = categorised(Complexity::High);
        both.extend(categorised(Complexity::Low));
        assert!(check_bands(&both).is_ok());
        assert_eq!(categories(&both), [Complexity::High, Complexity::Low]);
        assert_eq!(bands_of(&both, Complexity::Low).len(), 4);
        both.remove(4); // the low table no longer starts at one person
        assert!(check_bands(&both).unwrap_err().starts_with("low:"));
        let mut mixed = categorised(Complexity::High);
        mixed.extend(sample_bands());
        assert!(check_bands(&mixed).is_err());
    }

    #[test]
    fn clause_references_look_like_clause_numbers() {
        for good in ["4", "8.5", "8.5.1", "10.2", "A.5", "A.8.24"] {
            assert_eq!(parse_clause(good).as_deref(), Ok(good));
        }
        for bad in ["", "8.", ".5", "8..5", "clause 8", "AB.1", "8.5a"] {
            assert!(parse_clause(bad).is_err(), "{bad} accepted");
        }
    }
}
