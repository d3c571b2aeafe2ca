-- Mail written in the same transaction as the change it reports, sent later by the dispatcher.
CREATE TABLE outbox_messages (
    id TEXT PRIMARY KEY NOT NULL,
    message_id TEXT NOT NULL UNIQUE,          -- stable RFC 5322 Message-ID: a resend is recognisable
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,                          -- the dispatcher run holding it while 'sending'
    claimed_until TIMESTAMP,                  -- after this, a crashed dispatcher's claim lapses
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_messages_due_idx ON outbox_messages (status, next_attempt_at);

-- Append-only, hash-chained record of every state change.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,          -- position in the chain, 1, 2, 3, ...
    id TEXT NOT NULL UNIQUE,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,                 -- a role, or 'operator' (CLI) / 'system' (scheduler)
    organisation_id TEXT,                     -- the client organisation the object belongs to
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_state TEXT,                        -- compact JSON
    after_state TEXT,                         -- compact JSON
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, seq);
CREATE INDEX audit_events_organisation_idx ON audit_events (organisation_id, seq);
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- One row per periodic job: whoever holds the lease runs this tick, across instances.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    lease_until TIMESTAMP NOT NULL
);
