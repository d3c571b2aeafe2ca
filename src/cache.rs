//! A bounded, sharded map whose entries expire, for the per-instance caches of the hot paths
//! (public answers, verified access tokens). Each entry is served until its own deadline;
//! a full shard drops an eighth of its entries, the expired ones first.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

const SHARDS: usize = 16;

pub struct ExpiringCache<V> {
    per_shard: usize,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<String, (Instant, V)>>>,
}

impl<V: Clone> ExpiringCache<V> {
    /// Up to `entries` values; 0 turns the cache off.
    pub fn new(entries: usize) -> ExpiringCache<V> {
        ExpiringCache {
            per_shard: entries.div_ceil(SHARDS),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, HashMap<String, (Instant, V)>> {
        self.shards[self.hasher.hash_one(key) as usize % SHARDS]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value for `key` if its deadline is after `now`.
    pub fn get(&self, key: &str, now: Instant) -> Option<V> {
        if self.per_shard == 0 {
            return None;
        }
        let shard = self.shard(key);
        let (until, value) = shard.get(key)?;
        (now < *until).then(|| value.clone())
    }

    /// Keeps `value` for `key` until `until`.
    pub fn put(&self, key: &str, value: V, until: Instant, now: Instant) {
        if self.per_shard == 0 {
            return;
        }
        let mut shard = self.shard(key);
        if shard.len() >= self.per_shard {
            // Full: drop what expired and, if that is not an eighth, arbitrary others up to
            // an eighth, so this pass runs once per eighth of inserts, not on each.
            let mut room = (self.per_shard / 8).max(1);
            shard.retain(|_, (deadline, _)| {
                let keep = now < *deadline;
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
        shard.insert(key.to_owned(), (until, value));
    }

    pub fn forget(&self, key: &str) {
        if self.per_shard > 0 {
            self.shard(key).remove(key);
        }
    }

    #[cfg(test)]
    fn held(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn values_expire_are_forgotten_and_stay_within_bounds() {
        let cache = ExpiringCache::new(32);
        let start = Instant::now();
        let later = start + Duration::from_secs(10);
        cache.put("a", "one", later, start);
        assert_eq!(cache.get("a", start), Some("one"));
        assert_eq!(cache.get("a", later), None);
        cache.forget("a");
        assert_eq!(cache.get("a", start), None);
        for i in 0..1000 {
            let at = start + Duration::from_millis(i);
            cache.put(&i.to_string(), "x", at + Duration::from_secs(10), at);
        }
        assert!(cache.held() <= 32, "{} entries", cache.held());
        let off = ExpiringCache::new(0);
        off.put("a", "one", later, start);
        assert_eq!(off.get("a", start), None);
    }
}
