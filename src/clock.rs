//! The one clock the workflow reads: dates of audits, deadlines, validity of qualifications,
//! the scheduler's ticks. It is the system time plus an offset that only tests and
//! `certbody demo` move, so a test of a six-month rule advances the clock instead of sleeping. Security timing (token
//! expiry, rate limits) and the audit trail's own timestamps stay on the system time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> NaiveDateTime {
        crate::db::now() + TimeDelta::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date()
    }

    /// Moves this clock (and every clone of it) to `day`, keeping the time of day; for
    /// `certbody demo`, which tells a story over years.
    pub fn move_to(&self, day: NaiveDate) {
        let offset = day - crate::db::now().date();
        self.offset_seconds
            .store(offset.num_seconds(), Ordering::Relaxed);
    }

    /// Moves this clock (and every clone of it) forward; for tests.
    pub fn advance(&self, by: TimeDelta) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}
