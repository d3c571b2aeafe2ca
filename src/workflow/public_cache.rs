//! Public answers recently served, kept per instance for a few seconds, so the hot public
//! path (certificate verification) mostly needs no database trip. A write that changes an
//! answer has it forgotten once it commits (`Tx::changes_public`); another instance's
//! change, or a read that fetched the old answer just before the commit and stores it just
//! after, shows once the entry ages out — well within the minute the answers already
//! allow any cache (`Cache-Control: max-age=60`). Bounded (`crate::cache`).

use std::time::{Duration, Instant};

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;

use crate::cache::ExpiringCache;

/// One cached answer: the body as served and its entity tag, both cheap to clone.
#[derive(Debug, Clone)]
pub struct Cached {
    pub body: Bytes,
    pub etag: HeaderValue,
}

pub struct PublicCache {
    ttl: Duration,
    answers: ExpiringCache<Cached>,
}

impl PublicCache {
    /// Up to `entries` answers, each served for `ttl`; 0 entries turns caching off.
    pub fn new(entries: usize, ttl: Duration) -> PublicCache {
        PublicCache {
            ttl,
            answers: ExpiringCache::new(entries),
        }
    }

    /// The answer for `key` if cached less than the TTL ago.
    pub fn get(&self, key: &str) -> Option<Cached> {
        self.answers.get(key, Instant::now())
    }

    pub fn put(&self, key: &str, cached: Cached) {
        let now = Instant::now();
        self.answers.put(key, cached, now + self.ttl, now);
    }

    /// Drops `key`'s answer: it changed.
    pub fn forget(&self, key: &str) {
        self.answers.forget(key);
    }
}

impl Default for PublicCache {
    /// Off: for the command line, where nothing is served.
    fn default() -> PublicCache {
        PublicCache::new(0, Duration::ZERO)
    }
}
