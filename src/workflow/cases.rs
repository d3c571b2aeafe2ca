//! What complaints and appeals share as cases: readable references and secrets, the
//! acknowledgement and resolution deadlines, and the reminders when one passes.

use chrono::{Days, NaiveDate};
use rand::Rng;

use super::Tx;
use crate::error::AppResult;
use crate::scheduler::first_notice;

/// Characters that cannot be mistaken for one another when read aloud or retyped.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `length` random characters from the unambiguous alphabet (about 4.9 bits each).
pub fn readable_token(length: usize) -> String {
    let mut rng = rand::rng();
    (0..length)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A case reference people can read out, e.g. `C-7K2M-9QXA` (complaints) or `A-…` (appeals).
pub fn new_reference(letter: char) -> String {
    format!("{letter}-{}-{}", readable_token(4), readable_token(4))
}

/// The dates by which a case received on `received_on` must be acknowledged and resolved
/// (the CB's own periods: 17021-1 sets none).
pub fn deadlines(
    received_on: NaiveDate,
    (acknowledge, resolve): (u32, u32),
) -> (NaiveDate, NaiveDate) {
    let after = |days: u32| {
        received_on
            .checked_add_days(Days::new(days.into()))
            .unwrap_or(NaiveDate::MAX)
    };
    (after(acknowledge), after(resolve))
}

/// An open case as the reminder job sees it.
pub struct OpenCase<'a> {
    pub id: &'a str,
    pub acknowledged: bool,
    pub acknowledge_by: NaiveDate,
    pub resolve_by: NaiveDate,
}

/// The deadlines an open case has missed on `today`: (notice key, headline), each its own.
pub fn missed(case: &OpenCase<'_>, today: NaiveDate) -> Vec<(&'static str, &'static str)> {
    let mut missed = Vec::new();
    if !case.acknowledged && case.acknowledge_by < today {
        missed.push(("acknowledgement-overdue", "not acknowledged in time"));
    }
    if case.resolve_by < today {
        missed.push(("resolution-overdue", "not decided in time"));
    }
    missed
}

/// Tells about every missed deadline of `cases` once (whichever run or instance comes
/// first): `tell` mails about one case with a headline. How many notices went out.
pub fn remind_overdue<C>(
    tx: &mut Tx<'_>,
    cases: &[C],
    open: impl Fn(&C) -> OpenCase<'_>,
    tell: impl Fn(&mut Tx<'_>, &C, &str) -> AppResult<()>,
) -> AppResult<usize> {
    let today = tx.today();
    let mut sent = 0;
    for case in cases {
        let view = open(case);
        for (notice, headline) in missed(&view, today) {
            if first_notice(tx.conn, view.id, notice, tx.now())? {
                tell(tx, case, headline)?;
                sent += 1;
            }
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_tokens_use_the_unambiguous_alphabet() {
        let reference = new_reference('C');
        assert_eq!(reference.len(), 11);
        assert!(reference.starts_with("C-"));
        let token = readable_token(20);
        assert!(token.bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(token, readable_token(20));
    }

    #[test]
    fn deadlines_count_calendar_days_and_each_missed_one_is_told() {
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let received = day("2026-12-28");
        let (acknowledge_by, resolve_by) = deadlines(received, (5, 60));
        assert_eq!(
            (acknowledge_by, resolve_by),
            (day("2027-01-02"), day("2027-02-26"))
        );
        let case = |acknowledged| OpenCase {
            id: "c",
            acknowledged,
            acknowledge_by,
            resolve_by,
        };
        assert!(missed(&case(false), day("2027-01-02")).is_empty());
        assert_eq!(
            missed(&case(false), day("2027-01-03"))[0].0,
            "acknowledgement-overdue"
        );
        assert!(missed(&case(true), day("2027-01-03")).is_empty());
        // Never acknowledged and past both: both are told.
        assert_eq!(missed(&case(false), day("2027-03-01")).len(), 2);
        assert_eq!(
            missed(&case(true), day("2027-03-01")),
            [("resolution-overdue", "not decided in time")]
        );
    }
}
