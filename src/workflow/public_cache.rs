//! Public answers recently served, kept per instance for a few seconds, so the hot public
//! path (certificate verification) mostly needs no database trip. A write that changes an
//! answer has it forgotten once it commits (`Tx::changes_public`); another instance's
//! change, or a read that fetched the old answer just before the commit and stores it just
//! after, shows once the entry ages out — well within the minute the answers already
//! allow any cache (`Cache-Control: max-age=60`). Bounded: a full shard drops an eighth
//! of its entries, the aged-out ones first.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;

const SHARDS: usize = 16;

/// One cached answer: the body as served and its entity tag, both cheap to clone.
#[derive(Debug, Clone)]
pub struct Cached {
    pub body: Bytes,
    pub etag: HeaderValue,
}

pub struct PublicCache {
    per_shard: usize,
    ttl: Duration,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<String, (Instant, Cached)>>>,
}

impl PublicCache {
    /// Up to `entries` answers, each served for `ttl`; 0 entries turns caching off.
    pub fn new(entries: usize, ttl: Duration) -> PublicCache {
        PublicCache {
            per_shard: entries.div_ceil(SHARDS),
            ttl,
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Cached)>> {
        self.shards[self.hasher.hash_one(key) as usize % SHARDS]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The answer for `key` if cached less than the TTL ago.
    pub fn get(&self, key: &str) -> Option<Cached> {
        self.get_at(key, Instant::now())
    }

    fn get_at(&self, key: &str, now: Instant) -> Option<Cached> {
        if self.per_shard == 0 {
            return None;
        }
        let shard = self.shard(key);
        let (at, cached) = shard.get(key)?;
        (now.duration_since(*at) < self.ttl).then(|| cached.clone())
    }

    pub fn put(&self, key: &str, cached: Cached) {
        self.put_at(key, cached, Instant::now())
    }

    fn put_at(&self, key: &str, cached: Cached, now: Instant) {
        if self.per_shard == 0 {
            return;
        }
        let ttl = self.ttl;
        let mut shard = self.shard(key);
        if shard.len() >= self.per_shard {
            // Full: drop what aged out and, if that is not an eighth, arbitrary others up to
            // an eighth, so this pass runs once per eighth of inserts, not on each.
            let mut room = (self.per_shard / 8).max(1);
            shard.retain(|_, (at, _)| {
                let keep = now.duration_since(*at) < ttl;
                if !keep {
                    room = room.saturating_sub(1);
                }
                keep
            });
            let extra: Vec<String> = shard.keys().take(room).cloned().collect();
            for key in extra {
                shard.remove(&key);
            }
        }
        shard.insert(key.to_owned(), (now, cached));
    }

    /// Drops `key`'s answer: it changed.
    pub fn forget(&self, key: &str) {
        if self.per_shard > 0 {
            self.shard(key).remove(key);
        }
    }
}

impl Default for PublicCache {
    /// Off: for the command line, where nothing is served.
    fn default() -> PublicCache {
        PublicCache::new(0, Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(text: &'static str) -> Cached {
        Cached {
            body: Bytes::from_static(text.as_bytes()),
            etag: HeaderValue::from_static("\"t\""),
        }
    }

    #[test]
    fn answers_age_out_are_forgotten_and_stay_within_bounds() {
        let cache = PublicCache::new(32, Duration::from_secs(10));
        let start = Instant::now();
        cache.put_at("a", answer("one"), start);
        assert_eq!(cache.get_at("a", start).unwrap().body, "one");
        assert!(cache.get_at("a", start + Duration::from_secs(10)).is_none());
        cache.forget("a");
        assert!(cache.get_at("a", start).is_none());
        for i in 0..1000 {
            cache.put_at(
                &i.to_string(),
                answer("x"),
                start + Duration::from_millis(i),
            );
        }
        let held: usize = cache.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(held <= 32, "{held} entries");
        let off = PublicCache::default();
        off.put("a", answer("one"));
        assert!(off.get("a").is_none());
    }
}
