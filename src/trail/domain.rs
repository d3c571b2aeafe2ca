//! The hash chain: each event's hash is SHA-256 over its canonical content and the previous
//! event's hash, so changing, removing or reordering any stored event breaks every link after it.

use chrono::NaiveDateTime;
use serde_json::json;
use sha2::{Digest, Sha256};

/// `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Everything an event's hash covers, exactly as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EventContent {
    pub seq: i64,
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub organisation_id: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
}

/// A stored event: its content and its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainedEvent {
    pub content: EventContent,
    pub prev_hash: String,
    pub hash: String,
}

/// SHA-256 (hex) of the canonical form: a JSON array in a fixed order, so the hash does not
/// depend on map ordering or on how a backend prints its types.
pub fn event_hash(content: &EventContent, prev_hash: &str) -> String {
    let canonical = json!([
        content.seq,
        content.id,
        content
            .occurred_at
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string(),
        content.actor_id,
        content.actor_role,
        content.organisation_id,
        content.entity_type,
        content.entity_id,
        content.action,
        content.before_state,
        content.after_state,
        content.request_id,
        prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The event's content no longer matches its stored hash (edited in place).
    Altered { seq: i64 },
    /// The event does not point at its predecessor (removed, inserted or reordered).
    Unlinked { seq: i64 },
}

/// Walks the chain in `seq` order. `previous` is the (seq, hash) of the event before the first
/// one given, or `None` at the start of the chain. Returns the last (seq, hash) on success.
pub fn verify_segment(
    previous: Option<(i64, String)>,
    events: &[ChainedEvent],
) -> Result<Option<(i64, String)>, ChainBreak> {
    let mut last = previous;
    for event in events {
        let seq = event.content.seq;
        let (expected_seq, expected_prev) = match &last {
            Some((prev_seq, prev_hash)) => (prev_seq + 1, prev_hash.as_str()),
            None => (1, GENESIS_HASH),
        };
        if seq != expected_seq || event.prev_hash != expected_prev {
            return Err(ChainBreak::Unlinked { seq });
        }
        if event_hash(&event.content, &event.prev_hash) != event.hash {
            return Err(ChainBreak::Altered { seq });
        }
        last = Some((seq, event.hash.clone()));
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<ChainedEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let content = EventContent {
                    seq,
                    id: format!("e{seq}"),
                    occurred_at: chrono::DateTime::from_timestamp(1_700_000_000 + seq, 0)
                        .unwrap()
                        .naive_utc(),
                    actor_id: Some("u1".into()),
                    actor_role: "admin".into(),
                    organisation_id: None,
                    entity_type: "user".into(),
                    entity_id: "u2".into(),
                    action: "deactivated".into(),
                    before_state: Some(r#"{"active":true}"#.into()),
                    after_state: Some(r#"{"active":false}"#.into()),
                    request_id: None,
                };
                let hash = event_hash(&content, &prev);
                let event = ChainedEvent {
                    content,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                event
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_in_segments() {
        let events = chain(5);
        let first = verify_segment(None, &events[..2]).unwrap();
        let last = verify_segment(first, &events[2..]).unwrap();
        assert_eq!(last, Some((5, events[4].hash.clone())));
        assert_eq!(verify_segment(None, &[]), Ok(None));
    }

    #[test]
    fn edits_removals_and_reordering_are_found_at_the_first_broken_event() {
        let mut edited = chain(4);
        edited[2].content.after_state = Some(r#"{"active":true}"#.into());
        assert_eq!(
            verify_segment(None, &edited),
            Err(ChainBreak::Altered { seq: 3 })
        );

        let mut removed = chain(4);
        removed.remove(1);
        assert_eq!(
            verify_segment(None, &removed),
            Err(ChainBreak::Unlinked { seq: 3 })
        );

        let mut reordered = chain(4);
        reordered.swap(1, 2);
        assert_eq!(
            verify_segment(None, &reordered),
            Err(ChainBreak::Unlinked { seq: 3 })
        );

        // Recomputing an edited event's own hash does not help: the next link breaks.
        let mut rehashed = chain(4);
        rehashed[1].content.action = "reactivated".into();
        rehashed[1].hash = event_hash(&rehashed[1].content, &rehashed[1].prev_hash);
        assert_eq!(
            verify_segment(None, &rehashed),
            Err(ChainBreak::Unlinked { seq: 3 })
        );
    }
}
