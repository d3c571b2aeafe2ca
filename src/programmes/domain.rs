//! Rules of the audit programme (ISO/IEC 17021-1 9.1.3, IAF MD 1 and MD 5): audit time from
//! the catalogue's table with justified adjustments, the multi-site sample, and where each
//! audit of the three-year cycle falls. Pure functions; no HTTP, no SQL.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::SiteId;
use crate::standards::domain::{band_for, half_days, AuditTimeBand, Complexity};

/// A justified change to the table's audit time, in percent (negative reduces).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Adjustment {
    pub percent: f64,
    pub justification: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditTime {
    /// Stage 1 + stage 2 days from the table, before adjustments.
    pub table_initial_days: f64,
    /// The floor no adjustment may go below.
    pub minimum_initial_days: f64,
    pub initial_days: f64,
    pub stage1_days: f64,
    pub stage2_days: f64,
    pub surveillance_days: f64,
    pub recertification_days: f64,
    /// Share of the audit time planned remotely (IAF MD 4); 0 on reviews from before it was recorded.
    #[serde(default)]
    pub remote_percent: f64,
}

/// The planned remote share, checked against the CB's on-site minimum for the standard.
pub fn check_remote_share(remote_percent: f64, min_on_site_percent: f64) -> Result<f64, String> {
    if !(0.0..=100.0).contains(&remote_percent) {
        return Err("must be between 0 and 100".into());
    }
    let on_site = 100.0 - remote_percent;
    if on_site + 1e-9 < min_on_site_percent {
        return Err(format!(
            "leaves {on_site}% on site, below the {min_on_site_percent}% the certification body \
             requires for this standard (IAF MD 4)"
        ));
    }
    Ok(remote_percent)
}

/// How the review counts effective personnel (IAF MD 5:2019 2.3): part-time staff by their
/// hours against full time, and a justified lower figure where shifts or repetitive work
/// make it fair. Stored as JSON with the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EffectivePersonnel {
    /// Of the application's total, how many work part time, and their average weekly hours
    /// against the full-time week.
    pub part_time_people: i64,
    pub part_time_hours_per_week: f64,
    pub full_time_hours_per_week: f64,
    /// A justified lower figure (shift work, repetitive tasks); absent when none applies.
    pub reduced_to: Option<i64>,
    pub justification: Option<String>,
    /// The figure the audit time is taken for.
    pub effective: i64,
}

/// Effective personnel from the total: full-time staff count fully, part-time staff by
/// hours (rounded up); a reduction below that needs a justification and keeps at least one.
pub fn effective_personnel(
    total: i64,
    part_time_people: i64,
    part_time_hours: f64,
    full_time_hours: f64,
    reduced_to: Option<i64>,
) -> Result<i64, String> {
    if !(0..=total).contains(&part_time_people) {
        return Err(format!(
            "part_time_people must be between 0 and the total of {total}"
        ));
    }
    if part_time_people > 0
        && !(part_time_hours > 0.0 && full_time_hours > 0.0 && part_time_hours <= full_time_hours)
    {
        return Err("part-time hours must be positive and at most the full-time hours".into());
    }
    let share = if part_time_people > 0 {
        part_time_hours / full_time_hours
    } else {
        0.0
    };
    let counted = (total - part_time_people) as f64 + part_time_people as f64 * share;
    let effective = (counted - 1e-9).ceil().max(1.0) as i64;
    match reduced_to {
        None => Ok(effective),
        Some(reduced) if (1..=effective).contains(&reduced) => Ok(reduced),
        Some(_) => Err(format!(
            "reduced_to must be between 1 and the {effective} effective personnel counted"
        )),
    }
}

/// The complexity category the review chose for a table that has them (IAF MD 5), and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ComplexityChoice {
    pub category: Complexity,
    pub justification: String,
}

/// Audit days the reviewer enters for personnel beyond the table's last band, where IAF MD 5
/// says "follow progression": never fewer than the last band, always justified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BeyondTable {
    pub initial_days: f64,
    pub justification: String,
}

/// The table's figures for `personnel`: its band, or beyond the last band the entered days
/// (surveillance one third and recertification two thirds of them, as MD 5 guides, never
/// below the last band's). `Err` says what is wrong with `beyond`.
pub fn base_days(
    bands: &[AuditTimeBand],
    personnel: i64,
    beyond: Option<&BeyondTable>,
) -> Result<AuditTimeBand, String> {
    let last = bands.last().ok_or("the standard has no audit-time table")?;
    let end = last.max_personnel.unwrap_or(i64::MAX);
    match (band_for(bands, personnel), beyond) {
        (Some(band), None) => Ok(band.clone()),
        (Some(_), Some(_)) => Err(format!(
            "only for more than {end} people, beyond the table's last band; leave it out"
        )),
        (None, None) if personnel > end => Err(format!(
            "the table ends at {end} people: enter the initial audit days (at least the last \
             band's {}) with a justification (IAF MD 5: follow progression)",
            last.initial_days
        )),
        (None, None) => Err(format!(
            "the audit-time table has no band for {personnel} people"
        )),
        (None, Some(entered)) => {
            if !(entered.initial_days.is_finite() && entered.initial_days >= last.initial_days) {
                return Err(format!(
                    "initial_days must be at least the last band's {}",
                    last.initial_days
                ));
            }
            Ok(AuditTimeBand {
                complexity: last.complexity,
                min_personnel: end.saturating_add(1),
                max_personnel: None,
                initial_days: half_days(entered.initial_days),
                surveillance_days: half_days(entered.initial_days / 3.0)
                    .max(last.surveillance_days),
                recertification_days: half_days(entered.initial_days * 2.0 / 3.0)
                    .max(last.recertification_days),
            })
        }
    }
}

/// Applies the justified adjustments to the table's band. IAF MD 5 caps reductions at 30 %
/// (`max_reduction_percent` may set a lower cap), and the cap limits the **sum of the
/// reductions** on their own: an increase for one factor does not make room for a larger cut
/// elsewhere (EA FAQ on MD 5). The planned days never fall below the floor either.
pub fn compute_audit_time(
    band: &AuditTimeBand,
    adjustments: &[Adjustment],
    max_reduction_percent: f64,
) -> Result<AuditTime, String> {
    let reductions: f64 = -adjustments
        .iter()
        .map(|a| a.percent)
        .filter(|p| *p < 0.0)
        .sum::<f64>();
    if reductions > max_reduction_percent + 1e-9 {
        return Err(format!(
            "the reductions add up to {reductions}%, more than the {max_reduction_percent}% allowed \
             (IAF MD 5); increases do not offset them"
        ));
    }
    let net_percent: f64 = adjustments.iter().map(|a| a.percent).sum();
    let factor = 1.0 + net_percent / 100.0;
    let floor = band.initial_days * (1.0 - max_reduction_percent / 100.0);
    let requested = band.initial_days * factor;
    // Compare before rounding, so rounding can never hide a cut beyond the limit...
    if requested + 1e-9 < floor {
        return Err(format!(
            "the adjustments ({net_percent:+}%) would plan {requested:.2} days, below the minimum of {floor:.2} days \
             ({max_reduction_percent}% under the table's {})",
            band.initial_days
        ));
    }
    // ...and round the floor up, so the planned half days never fall below it either.
    let adjusted = |table_days: f64| {
        let floor = table_days * (1.0 - max_reduction_percent / 100.0);
        half_days(table_days * factor).max((floor * 2.0 - 1e-9).ceil() / 2.0)
    };
    let minimum = (floor * 2.0 - 1e-9).ceil() / 2.0;
    let initial = adjusted(band.initial_days);
    // Stage 1 takes about a third, at least half a day; stage 2 the rest.
    let stage1 = half_days(initial / 3.0).min(initial - 0.5).max(0.5);
    Ok(AuditTime {
        table_initial_days: band.initial_days,
        minimum_initial_days: minimum,
        initial_days: initial,
        stage1_days: stage1,
        stage2_days: initial - stage1,
        surveillance_days: adjusted(band.surveillance_days),
        recertification_days: adjusted(band.recertification_days),
        remote_percent: 0.0,
    })
}

/// IAF MD 1: the central function, plus at least ⌈√x⌉ of the x other sites.
pub fn sample_size(sites: usize) -> usize {
    sample_size_for(sites, ProgrammeAuditKind::Stage2)
}

/// IAF MD 1:2018's factor on √x by audit: initial certification (stage 2) √x, surveillance
/// 0.6·√x, recertification 0.8·√x. Stage 1 is planned at the central function (MD 1 sets no
/// stage 1 sample; the CB may add sites when it plans the audit).
fn sample_factor(kind: ProgrammeAuditKind) -> f64 {
    match kind {
        ProgrammeAuditKind::Stage1 => 0.0,
        ProgrammeAuditKind::Stage2 => 1.0,
        ProgrammeAuditKind::Surveillance1 | ProgrammeAuditKind::Surveillance2 => 0.6,
        ProgrammeAuditKind::Recertification => 0.8,
    }
}

/// Sites to visit at an audit of `kind` among `sites` (one of them the central function,
/// visited every time): ⌈factor·√x⌉ of the x others, rounded up, never more than there are.
pub fn sample_size_for(sites: usize, kind: ProgrammeAuditKind) -> usize {
    let others = sites.saturating_sub(1);
    let drawn = (sample_factor(kind) * (others as f64).sqrt() - 1e-9)
        .ceil()
        .max(0.0) as usize;
    sites.min(1) + drawn.min(others)
}

/// Share of each sample chosen at random (IAF MD 1:2018: at least 25 %).
pub const RANDOM_SHARE: f64 = 0.25;

/// The sites of one audit: all of them, and the ones drawn at random among them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct Sample {
    pub site_ids: Vec<SiteId>,
    pub random_site_ids: Vec<SiteId>,
}

/// Draws the sample of one audit: the central function; at least a quarter of the other
/// sites in the sample at random; the rest by the risk the review recorded, then the
/// largest headcount. Sites
/// not yet `visited` in the cycle come first, for random and risk picks alike, so the
/// surveillance audits rotate through the sites.
pub fn draw_sample(
    sites: &[SiteForSampling],
    kind: ProgrammeAuditKind,
    visited: &[SiteId],
    rng: &mut impl rand::Rng,
) -> Sample {
    use rand::seq::IndexedRandom;
    let size = sample_size_for(sites.len(), kind);
    let mut chosen: Vec<SiteId> = sites
        .iter()
        .filter(|s| s.is_central)
        .map(|s| s.id.clone())
        .collect();
    let others = size.saturating_sub(chosen.len());
    let random_count = ((others as f64) * RANDOM_SHARE - 1e-9).ceil() as usize;
    let candidates = |chosen: &[SiteId], fresh: bool| -> Vec<&SiteForSampling> {
        sites
            .iter()
            .filter(|s| !s.is_central && !chosen.contains(&s.id))
            .filter(|s| visited.contains(&s.id) != fresh)
            .collect()
    };
    let mut random = Vec::new();
    for fresh in [true, false] {
        let pool = candidates(&chosen, fresh);
        let wanted = random_count - random.len();
        for site in pool.choose_multiple(rng, wanted) {
            random.push(site.id.clone());
            chosen.push(site.id.clone());
        }
    }
    for fresh in [true, false] {
        let mut pool = candidates(&chosen, fresh);
        pool.sort_by_key(|site| std::cmp::Reverse((site.risk, site.headcount)));
        let wanted = size - chosen.len();
        chosen.extend(pool.into_iter().take(wanted).map(|site| site.id.clone()));
    }
    Sample {
        site_ids: chosen,
        random_site_ids: random,
    }
}

/// A site as the sample sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteForSampling {
    pub id: SiteId,
    /// The review's risk score (1 low to 5 high); 0 when none was recorded.
    pub risk: i64,
    pub headcount: i64,
    pub is_central: bool,
}

/// The proposed sample: the central function first, then the largest sites, until the
/// sample size is reached. Ties keep the applicant's order.
pub fn propose_sample(sites: &[SiteForSampling]) -> Vec<SiteId> {
    let size = sample_size(sites.len());
    let mut ordered: Vec<&SiteForSampling> = sites.iter().collect();
    ordered.sort_by_key(|site| (!site.is_central, std::cmp::Reverse(site.headcount)));
    ordered
        .into_iter()
        .take(size.max(1).min(sites.len()))
        .map(|site| site.id.clone())
        .collect()
}

crate::text_enum! {
    /// A programme is proposed with the quote on acceptance and agreed by the client
    /// (17021-1 5.1.2) before stage 1 may be planned.
    pub enum ProgrammeState {
        Proposed = "proposed",
        Agreed = "agreed",
    }
}

/// The client's step on a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgrammeStep {
    Agree,
}

/// The programme's state machine.
pub fn next_programme_state(
    from: ProgrammeState,
    _: ProgrammeStep,
) -> Result<ProgrammeState, String> {
    match from {
        ProgrammeState::Proposed => Ok(ProgrammeState::Agreed),
        ProgrammeState::Agreed => Err("the programme is already agreed".into()),
    }
}

crate::text_enum! {
    /// The audits of one three-year cycle.
    pub enum ProgrammeAuditKind {
        Stage1 = "stage1",
        Stage2 = "stage2",
        Surveillance1 = "surveillance1",
        Surveillance2 = "surveillance2",
        Recertification = "recertification",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedAudit {
    pub kind: ProgrammeAuditKind,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub days: f64,
    /// Placed from an estimated decision date; re-placed when the decision is taken.
    pub provisional: bool,
}

fn months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_months(Months::new(n)).unwrap_or(date)
}

/// Days before the month mark, so "within 12 months" windows end inside the limit.
fn day_before(date: NaiveDate) -> NaiveDate {
    date.pred_opt().unwrap_or(date)
}

/// The samples of a cycle's audits in order; each prefers sites the earlier ones did not
/// visit, so surveillance rotates through the sites.
pub fn draw_cycle_samples(
    kinds: &[ProgrammeAuditKind],
    sites: &[SiteForSampling],
    rng: &mut impl rand::Rng,
) -> Vec<Sample> {
    let mut visited: Vec<SiteId> = Vec::new();
    kinds
        .iter()
        .map(|&kind| {
            let sample = draw_sample(sites, kind, &visited, rng);
            visited.extend(sample.site_ids.iter().cloned());
            sample
        })
        .collect()
}

/// The three-year programme from acceptance. Stage 1 within two months, stage 2 after it
/// (the windows do not overlap: stage 2 needs stage 1's conclusion) and within six;
/// surveillance and recertification windows hang off the certification decision — until it
/// exists they are placed from the end of the stage 2 window and marked provisional.
pub fn plan_programme(accepted_on: NaiveDate, time: &AuditTime) -> Vec<PlannedAudit> {
    let estimated_decision = estimated_decision(accepted_on);
    let mut plan = vec![
        PlannedAudit {
            kind: ProgrammeAuditKind::Stage1,
            window_start: accepted_on,
            window_end: day_before(months(accepted_on, 2)),
            days: time.stage1_days,
            provisional: false,
        },
        PlannedAudit {
            kind: ProgrammeAuditKind::Stage2,
            window_start: months(accepted_on, 2),
            window_end: estimated_decision,
            days: time.stage2_days,
            provisional: false,
        },
    ];
    plan.extend(place_cycle(estimated_decision, time, true));
    plan
}

/// Until the certification decision exists, the cycle hangs off this estimate: the end of
/// the stage 2 window, six months after acceptance.
pub fn estimated_decision(accepted_on: NaiveDate) -> NaiveDate {
    months(accepted_on, 6)
}

/// The certificate's expiry for a certification decision on `decision`: three years, to
/// the day before the anniversary (17021-1 9.1.3: a three-year cycle).
pub fn expiry_after(decision: NaiveDate) -> NaiveDate {
    day_before(months(decision, 36))
}

/// The cycle's audits from the certification decision (17021-1 9.1.3, 9.6.2, 9.6.3):
/// - surveillance 1 no later than 12 months after the decision, in the three months before;
/// - surveillance at least once every calendar year: surveillance 1's window is kept to one
///   calendar year (the one holding most of it) and surveillance 2's is the same window a
///   year later, so whichever days are chosen, no year between them is skipped;
/// - recertification between six and three months before expiry, leaving time for
///   corrections and the decision before the certificate lapses.
pub fn place_cycle(decision: NaiveDate, time: &AuditTime, provisional: bool) -> Vec<PlannedAudit> {
    let (first_start, first_end) =
        within_one_year(months(decision, 9), day_before(months(decision, 12)));
    let audit = |kind, window_start, window_end, days| PlannedAudit {
        kind,
        window_start,
        window_end,
        days,
        provisional,
    };
    vec![
        audit(
            ProgrammeAuditKind::Surveillance1,
            first_start,
            first_end,
            time.surveillance_days,
        ),
        audit(
            ProgrammeAuditKind::Surveillance2,
            months(first_start, 12),
            months(first_end, 12),
            time.surveillance_days,
        ),
        audit(
            ProgrammeAuditKind::Recertification,
            months(decision, 30),
            day_before(months(decision, 33)),
            time.recertification_days,
        ),
    ]
}

/// The decision date a cycle ending on `expires_on` hangs off: three years before the day
/// after it (the inverse of `expiry_after`). Used where a cycle continues from an expiry:
/// a transfer, a recertification.
pub fn cycle_anchor(expires_on: NaiveDate) -> NaiveDate {
    expires_on
        .succ_opt()
        .and_then(|day_after| day_after.checked_sub_months(Months::new(36)))
        .unwrap_or(expires_on)
}

/// A transferred certificate's cycle continues with us (IAF MD 2): its decision date is three
/// years before its expiry, and the audits after `done` of them (surveillance 1, 2,
/// recertification) are still due. A window already past at acceptance is due within three
/// months from then.
pub fn plan_transfer(
    accepted_on: NaiveDate,
    expires_on: NaiveDate,
    done: usize,
    time: &AuditTime,
) -> Vec<PlannedAudit> {
    place_cycle(cycle_anchor(expires_on), time, false)
        .into_iter()
        .skip(done)
        .map(|audit| {
            let window_start = audit.window_start.max(accepted_on);
            let window_end = if audit.window_end < window_start {
                day_before(months(window_start, 3))
            } else {
                audit.window_end
            };
            PlannedAudit {
                window_start,
                window_end,
                ..audit
            }
        })
        .collect()
}

/// The part of a window that lies in one calendar year: the year holding more of it.
fn within_one_year(start: NaiveDate, end: NaiveDate) -> (NaiveDate, NaiveDate) {
    use chrono::Datelike;
    if start.year() == end.year() {
        return (start, end);
    }
    let new_year = NaiveDate::from_ymd_opt(end.year(), 1, 1).unwrap_or(end);
    if (new_year - start) > (end - new_year) {
        (start, day_before(new_year))
    } else {
        (new_year, end)
    }
}

/// The calendar years from the decision's to the recertification's that hold no audit, for
/// audits on `dates` (17021-1 9.6.2: surveillance at least once a calendar year). The
/// decision's own year holds the initial audit.
pub fn years_without_audit(decision: NaiveDate, dates: &[NaiveDate]) -> Vec<i32> {
    use chrono::Datelike;
    let last = dates
        .iter()
        .map(Datelike::year)
        .max()
        .unwrap_or(decision.year());
    (decision.year() + 1..=last)
        .filter(|year| !dates.iter().any(|d| d.year() == *year))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standards::domain::sample_bands;

    #[test]
    fn adjustments_move_audit_time_but_never_below_the_minimum() {
        let band = &sample_bands()[3]; // 3 days
        let plain = compute_audit_time(band, &[], 30.0).unwrap();
        assert_eq!(
            (plain.initial_days, plain.stage1_days, plain.stage2_days),
            (3.0, 1.0, 2.0)
        );
        assert_eq!(
            (
                plain.surveillance_days,
                plain.recertification_days,
                plain.minimum_initial_days
            ),
            (1.0, 2.0, 2.5)
        );
        let adjust = |percent| {
            vec![Adjustment {
                percent,
                justification: "why".into(),
            }]
        };
        assert_eq!(
            compute_audit_time(band, &adjust(50.0), 30.0)
                .unwrap()
                .initial_days,
            4.5
        );
        // Floor 3 × 0.7 = 2.1 days: a 30% cut is allowed and planned as 2.5 (never 2.0, which
        // would undercut it); 31% and 40% are refused even though 2.07 would round to 2.0.
        assert_eq!(
            compute_audit_time(band, &adjust(-30.0), 30.0)
                .unwrap()
                .initial_days,
            2.5
        );
        assert!(compute_audit_time(band, &adjust(-31.0), 30.0).is_err());
        assert!(compute_audit_time(band, &adjust(-40.0), 30.0).is_err());
        // The cap is on the sum of the reductions: an increase does not offset a cut beyond
        // it (−40 % + 20 % is refused), while cuts that add up to exactly 30 % pass.
        let adjustments = |percents: &[f64]| {
            percents
                .iter()
                .map(|&percent| Adjustment {
                    percent,
                    justification: "why".into(),
                })
                .collect::<Vec<_>>()
        };
        assert!(compute_audit_time(band, &adjustments(&[-40.0, 20.0]), 30.0).is_err());
        assert!(compute_audit_time(band, &adjustments(&[-20.0, -10.5, 15.0]), 30.0).is_err());
        assert_eq!(
            compute_audit_time(band, &adjustments(&[-20.0, -10.0, 15.0]), 30.0)
                .unwrap()
                .initial_days,
            2.5
        );
        // Surveillance and recertification keep to the same floor: 1.0 × 0.7 is planned as 1.0, not 0.5.
        let cut = compute_audit_time(band, &adjust(-30.0), 30.0).unwrap();
        assert_eq!(
            (cut.surveillance_days, cut.recertification_days),
            (1.0, 1.5)
        );
        let tiny = &sample_bands()[0]; // 1.5 days: stage 1 and 2 still get half a day each at least
        let time = compute_audit_time(tiny, &[], 30.0).unwrap();
        assert_eq!((time.stage1_days, time.stage2_days), (0.5, 1.0));
    }

    #[test]
    fn the_remote_share_keeps_the_on_site_minimum() {
        assert_eq!(check_remote_share(0.0, 0.0), Ok(0.0));
        assert_eq!(check_remote_share(30.0, 70.0), Ok(30.0));
        assert!(check_remote_share(30.5, 70.0).is_err());
        assert!(check_remote_share(-1.0, 0.0).is_err());
        assert!(check_remote_share(101.0, 0.0).is_err());
    }

    #[test]
    fn part_time_staff_count_by_their_hours_and_reductions_need_room() {
        assert_eq!(effective_personnel(100, 0, 0.0, 40.0, None), Ok(100));
        // 20 of 100 work 20 of 40 hours: 80 + 10.
        assert_eq!(effective_personnel(100, 20, 20.0, 40.0, None), Ok(90));
        // 3 people at 10 of 40 hours: 0.75 rounds up to one.
        assert_eq!(effective_personnel(3, 3, 10.0, 40.0, None), Ok(1));
        assert_eq!(effective_personnel(100, 20, 20.0, 40.0, Some(60)), Ok(60));
        assert!(effective_personnel(100, 20, 20.0, 40.0, Some(91)).is_err());
        assert!(effective_personnel(100, 20, 20.0, 40.0, Some(0)).is_err());
        assert!(effective_personnel(100, 101, 20.0, 40.0, None).is_err());
        assert!(effective_personnel(100, 10, 45.0, 40.0, None).is_err());
    }

    #[test]
    fn beyond_the_last_band_the_reviewer_enters_at_least_its_days() {
        let bands = sample_bands(); // ends at 25 people, 3 days
        let entered = |days: f64| BeyondTable {
            initial_days: days,
            justification: "progression of the table".into(),
        };
        assert_eq!(base_days(&bands, 25, None).unwrap().initial_days, 3.0);
        assert!(
            base_days(&bands, 25, Some(&entered(4.0))).is_err(),
            "inside the table"
        );
        assert!(base_days(&bands, 26, None)
            .unwrap_err()
            .contains("ends at 25"));
        assert!(
            base_days(&bands, 26, Some(&entered(2.5))).is_err(),
            "below the last band"
        );
        let beyond = base_days(&bands, 40_000, Some(&entered(9.0))).unwrap();
        assert_eq!(
            (
                beyond.initial_days,
                beyond.surveillance_days,
                beyond.recertification_days
            ),
            (9.0, 3.0, 6.0)
        );
        let just_above = base_days(&bands, 26, Some(&entered(3.0))).unwrap();
        assert_eq!(
            just_above.surveillance_days, 1.0,
            "never below the last band's"
        );
    }

    #[test]
    fn each_audit_kind_samples_its_share_with_a_random_quarter_and_rotates() {
        use rand::SeedableRng;
        // 1 central + 100 other sites: √100 = 10, 0.6·10 = 6, 0.8·10 = 8.
        let sizes = |n| {
            [
                ProgrammeAuditKind::Stage1,
                ProgrammeAuditKind::Stage2,
                ProgrammeAuditKind::Surveillance1,
                ProgrammeAuditKind::Recertification,
            ]
            .map(|kind| sample_size_for(n, kind))
        };
        assert_eq!(sizes(101), [1, 11, 7, 9]);
        // 1 + 10 others: √10 = 3.16 → 4; 0.6·√10 = 1.90 → 2; 0.8·√10 = 2.53 → 3.
        assert_eq!(sizes(11), [1, 5, 3, 4]);
        assert_eq!(sizes(1), [1, 1, 1, 1]);
        assert_eq!(sizes(2), [1, 2, 2, 2], "never more sites than there are");

        let sites: Vec<SiteForSampling> = (0..17)
            .map(|i| SiteForSampling {
                id: SiteId::from_text(format!("s{i}")),
                risk: 0,
                headcount: 10 + i,
                is_central: i == 0,
            })
            .collect();
        let kinds = [
            ProgrammeAuditKind::Stage2,
            ProgrammeAuditKind::Surveillance1,
            ProgrammeAuditKind::Surveillance2,
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let samples = draw_cycle_samples(&kinds, &sites, &mut rng);
        // 16 others: stage 2 takes 4 (1 at random), surveillance ⌈2.4⌉ = 3 (1 at random).
        let counts: Vec<(usize, usize)> = samples
            .iter()
            .map(|s| (s.site_ids.len(), s.random_site_ids.len()))
            .collect();
        assert_eq!(counts, [(5, 1), (4, 1), (4, 1)]);
        for sample in &samples {
            assert_eq!(
                sample.site_ids[0].as_str(),
                "s0",
                "the central function every time"
            );
            assert!(sample
                .random_site_ids
                .iter()
                .all(|id| sample.site_ids.contains(id)));
        }
        // Rotation: 12 sites in the cycle, none visited twice while unvisited ones remain.
        let visited: Vec<&SiteId> = samples
            .iter()
            .flat_map(|s| s.site_ids.iter().skip(1))
            .collect();
        let distinct: std::collections::HashSet<_> = visited.iter().collect();
        assert_eq!(distinct.len(), visited.len());
        // The same seed draws the same sample again.
        let again = draw_cycle_samples(&kinds, &sites, &mut rand::rngs::StdRng::seed_from_u64(7));
        assert_eq!(again, samples);
    }

    #[test]
    fn the_sample_is_the_ceiling_of_the_square_root_with_the_central_function() {
        // Central function + ⌈√(n−1)⌉ of the others, never more than there are.
        let sizes: Vec<usize> = [1, 2, 3, 4, 5, 10, 11, 17, 18]
            .into_iter()
            .map(sample_size)
            .collect();
        assert_eq!(sizes, [1, 2, 3, 3, 3, 4, 5, 5, 6]);
        assert!((1..200)
            .all(|n| sample_size(n) <= n && sample_size(n) >= (n as f64).sqrt().ceil() as usize));
        let site = |id: &str, headcount, is_central| SiteForSampling {
            id: SiteId::from_text(id),
            risk: 0,
            headcount,
            is_central,
        };
        let sites = [
            site("a", 50, false),
            site("b", 10, true),
            site("c", 80, false),
            site("d", 5, false),
            site("e", 20, false),
        ];
        let ids = |sample: Vec<SiteId>| sample.iter().map(|id| id.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(propose_sample(&sites)), ["b", "c", "a"]);
        assert_eq!(ids(propose_sample(&sites[..1])), ["a"]);
    }

    #[test]
    fn the_programme_places_surveillance_within_twelve_months_of_the_decision() {
        let time = compute_audit_time(&sample_bands()[3], &[], 30.0).unwrap();
        let accepted = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let plan = plan_programme(accepted, &time);
        let kinds: Vec<_> = plan.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "stage1",
                "stage2",
                "surveillance1",
                "surveillance2",
                "recertification"
            ]
        );
        assert_eq!(
            plan[0].window_end,
            NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()
        );
        assert!(
            plan[0].window_end < plan[1].window_start,
            "stage 2 follows stage 1"
        );
        assert!(!plan[1].provisional && plan[2].provisional);
        let decision = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        let cycle = place_cycle(decision, &time, false);
        assert_eq!(
            cycle[0].window_end,
            NaiveDate::from_ymd_opt(2027, 7, 14).unwrap()
        );
        assert!(cycle[0].window_end < decision.checked_add_months(Months::new(12)).unwrap());
        assert_eq!(
            cycle[2].window_end,
            NaiveDate::from_ymd_opt(2029, 4, 14).unwrap()
        );
        assert_eq!(plan[4].days, 2.0);
        assert_eq!(
            expiry_after(decision),
            NaiveDate::from_ymd_opt(2029, 7, 14).unwrap()
        );
    }

    #[test]
    fn a_transfer_continues_the_cycle_where_it_stands() {
        let time = compute_audit_time(&sample_bands()[3], &[], 30.0).unwrap();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        // Certificate valid to 2028-06-30: decided 2025-07-01; surveillance 1 was due by 2026-06-30.
        let plan = plan_transfer(d(2026, 11, 28), d(2028, 6, 30), 1, &time);
        let kinds: Vec<_> = plan.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(kinds, ["surveillance2", "recertification"]);
        assert!(plan
            .iter()
            .all(|a| a.window_start >= d(2026, 11, 28) && !a.provisional));
        assert!(
            plan[1].window_end < d(2028, 6, 30),
            "recertification before expiry"
        );
        // Surveillance 1 not done although overdue: due within three months of acceptance.
        let overdue = plan_transfer(d(2026, 11, 28), d(2028, 6, 30), 0, &time);
        assert_eq!(overdue[0].window_start, d(2026, 11, 28));
        assert_eq!(overdue[0].window_end, d(2027, 2, 27));
        assert_eq!(
            plan_transfer(d(2026, 11, 28), d(2028, 6, 30), 2, &time).len(),
            1
        );
    }

    #[test]
    fn for_every_decision_date_the_cycle_keeps_the_calendar_year_and_12_month_rules() {
        let time = compute_audit_time(&sample_bands()[3], &[], 30.0).unwrap();
        let mut decision = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        // Every decision date of a leap and a common year, and every extreme choice of days.
        while decision < NaiveDate::from_ymd_opt(2028, 1, 1).unwrap() {
            let cycle = place_cycle(decision, &time, false);
            let first_deadline = decision.checked_add_months(Months::new(12)).unwrap();
            for audit in &cycle {
                assert!(
                    audit.window_start <= audit.window_end,
                    "{decision}: {audit:?}"
                );
            }
            assert!(cycle[0].window_end < first_deadline, "{decision}");
            assert!(cycle[2].window_end < expiry_after(decision), "{decision}");
            for pick in 0..8 {
                let day = |i: usize| {
                    if pick & (1 << i) == 0 {
                        cycle[i].window_start
                    } else {
                        cycle[i].window_end
                    }
                };
                let dates = [day(0), day(1), day(2)];
                assert_eq!(
                    years_without_audit(decision, &dates),
                    Vec::<i32>::new(),
                    "decision {decision}, audits {dates:?}"
                );
            }
            decision = decision.succ_opt().unwrap();
        }
        // The check itself names a skipped year.
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(
            years_without_audit(
                d(2026, 1, 15),
                &[d(2026, 11, 1), d(2028, 1, 10), d(2028, 9, 1)]
            ),
            [2027]
        );
    }
}
