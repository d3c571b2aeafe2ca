//! A small sliding-window rate limiter for login attempts, kept in memory per instance.
//!
//! Losing the counters on restart is harmless (the design allows per-instance state only where
//! that is so); with N instances an attacker gets at most N times the limit.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{AppError, AppResult};

/// Above this many tracked keys, expired entries are swept so memory stays bounded.
const SWEEP_ABOVE_KEYS: usize = 10_000;

pub struct RateLimiter {
    limit: usize,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit: limit as usize,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` until the next attempt is allowed, if `key` has used up its limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    /// Counts one attempt for `key`.
    pub fn record(&self, key: &str) {
        self.record_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut hits = self
            .hits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(times) = hits.get_mut(key) else {
            return Ok(());
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        match times.front() {
            Some(oldest) if times.len() >= self.limit => {
                let wait = self.window.saturating_sub(now.duration_since(*oldest));
                Err(wait.as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    fn record_at(&self, key: &str, now: Instant) {
        let mut hits = self
            .hits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if hits.len() > SWEEP_ABOVE_KEYS {
            let window = self.window;
            hits.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        hits.entry(key.to_owned()).or_default().push_back(now);
    }
}

/// Limits on the unauthenticated account endpoints. Sign-in: every attempt per client IP
/// (slows credential stuffing) and failed attempts per account (slows guessing one password
/// from many IPs). Registration: per client IP (each costs a password hash and sends a mail).
pub struct AuthLimits {
    sign_ins_per_ip: RateLimiter,
    failures_per_account: RateLimiter,
    registrations_per_ip: RateLimiter,
}

impl AuthLimits {
    pub fn new(
        sign_ins_per_ip_per_minute: u32,
        failures_per_account_per_15_minutes: u32,
        registrations_per_ip_per_hour: u32,
    ) -> AuthLimits {
        AuthLimits {
            sign_ins_per_ip: RateLimiter::new(sign_ins_per_ip_per_minute, Duration::from_secs(60)),
            failures_per_account: RateLimiter::new(
                failures_per_account_per_15_minutes,
                Duration::from_secs(15 * 60),
            ),
            registrations_per_ip: RateLimiter::new(
                registrations_per_ip_per_hour,
                Duration::from_secs(3600),
            ),
        }
    }

    /// Counts this sign-in attempt against the IP; refuses when either limit is used up.
    pub fn admit(&self, client_ip: &str, account: &str) -> AppResult<()> {
        hit(&self.sign_ins_per_ip, client_ip)?;
        self.failures_per_account.check(account).map_err(refused)
    }

    pub fn record_failure(&self, account: &str) {
        self.failures_per_account.record(account);
    }

    /// Counts this registration against the IP; refuses past the limit.
    pub fn admit_registration(&self, client_ip: &str) -> AppResult<()> {
        hit(&self.registrations_per_ip, client_ip)
    }
}

fn refused(retry_after_secs: u64) -> AppError {
    AppError::TooManyRequests { retry_after_secs }
}

fn hit(limiter: &RateLimiter, key: &str) -> AppResult<()> {
    limiter.check(key).map_err(refused)?;
    limiter.record(key);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_until_the_window_slides() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let start = Instant::now();
        limiter.record_at("k", start);
        assert_eq!(limiter.check_at("k", start), Ok(()));
        limiter.record_at("k", start + Duration::from_secs(10));
        assert_eq!(
            limiter.check_at("k", start + Duration::from_secs(20)),
            Err(40)
        );
        assert_eq!(limiter.check_at("other", start), Ok(()));
        assert_eq!(
            limiter.check_at("k", start + Duration::from_secs(60)),
            Ok(())
        );
    }
}
