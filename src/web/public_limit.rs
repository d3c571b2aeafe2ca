//! The rate limit of the public endpoints and pages, per client address: a sliding-window
//! counter (this minute's count plus the previous minute's, weighted by how much of it
//! still overlaps the window), so each address costs three numbers however busy it is.
//! Kept per instance in shards, so requests from different addresses rarely wait on one
//! lock; losing the counters on restart is harmless.

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;
use std::time::Instant;

use actix_web::{web, FromRequest, HttpRequest};

use super::client::client_ip;
use crate::auth::rate_limit::RateLimiter;
use crate::error::AppError;

const SHARDS: usize = 16;
const WINDOW_SECS: u64 = 60;
/// Above this many addresses in a shard, those idle for two windows are dropped, once a
/// minute; past the cap (an attack from very many addresses) the shard starts afresh.
const SWEEP_ABOVE: usize = 4096;
const SHARD_CAP: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Window {
    /// Which minute since the limiter started `current` counts.
    minute: u64,
    current: u32,
    previous: u32,
}

struct Shard {
    windows: HashMap<IpAddr, Window>,
    swept_minute: u64,
}

pub struct PublicLimit {
    per_minute: u32,
    started: Instant,
    hasher: RandomState,
    shards: Vec<Mutex<Shard>>,
}

impl PublicLimit {
    /// `per_minute` requests per client address; 0 turns the limit off.
    pub fn new(per_minute: u32) -> PublicLimit {
        PublicLimit {
            per_minute,
            started: Instant::now(),
            hasher: RandomState::new(),
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        windows: HashMap::new(),
                        swept_minute: 0,
                    })
                })
                .collect(),
        }
    }

    /// Counts one request of `client` at `elapsed` seconds; `Err(seconds)` to wait when over.
    fn admit_at(&self, client: IpAddr, elapsed: f64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let minute = (elapsed as u64) / WINDOW_SECS;
        let into_minute = elapsed - (minute * WINDOW_SECS) as f64;
        let shard = self.hasher.hash_one(client) as usize % SHARDS;
        let mut shard = self.shards[shard]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if shard.windows.len() > SWEEP_ABOVE && shard.swept_minute != minute {
            shard.windows.retain(|_, w| w.minute + 1 >= minute);
            shard.swept_minute = minute;
        }
        if shard.windows.len() > SHARD_CAP {
            shard.windows.clear();
        }
        let windows = &mut shard.windows;
        let window = windows.entry(client).or_insert(Window {
            minute,
            current: 0,
            previous: 0,
        });
        if window.minute != minute {
            window.previous = if window.minute + 1 == minute {
                window.current
            } else {
                0
            };
            window.current = 0;
            window.minute = minute;
        }
        let limit = self.per_minute as f64;
        if estimate_after(window, into_minute, 0.0) >= limit {
            // The first whole second at which one more request fits.
            let wait = (1..=2 * WINDOW_SECS)
                .find(|t| estimate_after(window, into_minute, *t as f64) < limit)
                .unwrap_or(2 * WINDOW_SECS);
            return Err(wait);
        }
        window.current += 1;
        Ok(())
    }
}

/// The weighted count `later` seconds after `into_minute` seconds into the window's minute,
/// with no more requests meanwhile.
fn estimate_after(window: &Window, into_minute: f64, later: f64) -> f64 {
    let window_secs = WINDOW_SECS as f64;
    let at = into_minute + later;
    let (previous, current, into) = if at < window_secs {
        (window.previous, window.current, at)
    } else if at < 2.0 * window_secs {
        (window.current, 0, at - window_secs)
    } else {
        (0, 0, 0.0)
    };
    previous as f64 * (1.0 - into / window_secs) + current as f64
}

/// The key an address counts under: an IPv6 client usually holds a whole /64, so it
/// counts as one.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// A public request within its client's rate limit: an extractor each public handler takes,
/// so a refusal is the usual 429 problem with `Retry-After`.
pub struct Admitted;

impl FromRequest for Admitted {
    type Error = AppError;
    type Future = Ready<Result<Admitted, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let Some(limit) = req.app_data::<web::Data<PublicLimit>>() else {
            return ready(Ok(Admitted));
        };
        // Without a peer address (not over TCP) all such requests share one count.
        let client = client_ip(req).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let elapsed = limit.started.elapsed().as_secs_f64();
        ready(
            limit
                .admit_at(client_key(client), elapsed)
                .map(|()| Admitted)
                .map_err(|retry_after_secs| AppError::TooManyRequests { retry_after_secs }),
        )
    }
}

/// Complaints and watch requests one client address may file per hour: spam control on
/// top of the per-minute limit.
pub struct FilingLimit {
    per_hour: u32,
    filings: RateLimiter,
}

impl FilingLimit {
    /// `per_hour` filings per client address; 0 turns the limit off.
    pub fn new(per_hour: u32) -> FilingLimit {
        FilingLimit {
            per_hour,
            filings: RateLimiter::new(per_hour, std::time::Duration::from_secs(3600)),
        }
    }
}

/// A filing within its client's hourly limit (and counted against it); an extractor the
/// filing handlers take after `Admitted`.
pub struct Filing;

impl FromRequest for Filing {
    type Error = AppError;
    type Future = Ready<Result<Filing, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let Some(limit) = req
            .app_data::<web::Data<FilingLimit>>()
            .filter(|limit| limit.per_hour > 0)
        else {
            return ready(Ok(Filing));
        };
        let client = client_ip(req).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let key = client_key(client).to_string();
        ready(match limit.filings.check(&key) {
            Ok(()) => {
                limit.filings.record(&key);
                Ok(Filing)
            }
            Err(retry_after_secs) => Err(AppError::TooManyRequests { retry_after_secs }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_its_limit_waits_while_others_go_on() {
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let limit = PublicLimit::new(3);
        for _ in 0..3 {
            assert_eq!(limit.admit_at(a, 10.0), Ok(()));
        }
        // This minute's three count fully until it ends, then fade: one second into the
        // next minute one more fits.
        assert_eq!(limit.admit_at(a, 10.0), Err(51));
        assert_eq!(limit.admit_at(b, 10.0), Ok(()));
        // Half-way through the next minute half of the last minute's three still count.
        assert_eq!(limit.admit_at(a, 90.0), Ok(()));
        assert_eq!(limit.admit_at(a, 90.0), Ok(()));
        assert_eq!(limit.admit_at(a, 90.0), Err(11));
        // Two idle minutes later the slate is clean.
        for _ in 0..3 {
            assert_eq!(limit.admit_at(a, 250.0), Ok(()));
        }
        assert!(PublicLimit::new(0).admit_at(a, 1.0).is_ok());
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(client_key(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("192.0.2.7")), ip("192.0.2.7"));
    }
}
