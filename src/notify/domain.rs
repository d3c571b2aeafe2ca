//! Rules of the outbox: message states, retry backoff, and when a message is given up.

use std::time::Duration;

crate::text_enum! {
    /// pending → sending → sent; a failed send goes back to pending with a later attempt time,
    /// or to dead after the last allowed attempt; an admin may put a dead message back to pending.
    pub enum MailStatus {
        Pending = "pending",
        Sending = "sending",
        Sent = "sent",
        Dead = "dead",
    }
}

/// Longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// Wait before the next attempt after `attempts` failed ones: base, 2×base, 4×base, … capped.
pub fn backoff(attempts: i64, base: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    base.saturating_mul(2u32.saturating_pow(doublings))
        .min(MAX_BACKOFF)
}

/// Status after a failed attempt, given how many attempts have now been made.
pub fn status_after_failure(attempts: i64, max_attempts: i64) -> MailStatus {
    if attempts >= max_attempts {
        MailStatus::Dead
    } else {
        MailStatus::Pending
    }
}

/// Only a message that was given up may be queued again by hand; anything else is in
/// flight or done.
pub fn check_requeue(status: MailStatus) -> Result<MailStatus, String> {
    match status {
        MailStatus::Dead => Ok(MailStatus::Pending),
        other => Err(format!(
            "only dead messages can be retried; this one is {}",
            other.as_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_is_capped() {
        let base = Duration::from_secs(30);
        let waits: Vec<u64> = (1..=4).map(|n| backoff(n, base).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240]);
        assert_eq!(backoff(40, base), MAX_BACKOFF);
        assert_eq!(backoff(0, base), base);
    }

    #[test]
    fn a_message_dies_at_the_last_attempt_and_only_dead_ones_are_requeued() {
        assert_eq!(status_after_failure(7, 8), MailStatus::Pending);
        assert_eq!(status_after_failure(8, 8), MailStatus::Dead);
        assert!(check_requeue(MailStatus::Dead).is_ok());
        for status in [MailStatus::Pending, MailStatus::Sending, MailStatus::Sent] {
            assert!(check_requeue(status).is_err());
        }
    }
}
