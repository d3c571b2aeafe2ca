PRAGMA foreign_keys = OFF;
BEGIN;
-- Complaints from anyone (17021-1 9.8, 8.3). The reporter reads the complaint back with
-- its reference and a secret, of which only the SHA-256 is kept.
CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    secret_sha256 TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('false_claim', 'misuse', 'certified_client', 'certification_body')),
    organisation_name TEXT NOT NULL,          -- as the reporter names it
    certificate_number TEXT,                  -- as the reporter gives it
    certificate_id TEXT REFERENCES certificates (id),     -- when the number is ours
    organisation_id TEXT REFERENCES organisations (id),   -- the client concerned, when known
    description TEXT NOT NULL,
    reporter_name TEXT,
    reporter_email TEXT,
    state TEXT NOT NULL CHECK (state IN ('received', 'acknowledged', 'investigating', 'decided', 'closed')),
    handler_id TEXT REFERENCES users (id),
    outcome TEXT CHECK (outcome IN ('substantiated', 'not_substantiated')),
    public_outcome TEXT,                      -- what the reporter is told
    actions TEXT,                             -- JSON: what the decision set in motion
    received_at TIMESTAMP NOT NULL,
    acknowledge_by DATE NOT NULL,
    resolve_by DATE NOT NULL,
    acknowledged_at TIMESTAMP,
    decided_at TIMESTAMP,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX complaints_by_state ON complaints (state, resolve_by);
CREATE INDEX complaints_by_organisation ON complaints (organisation_id);

-- Substantiated false claims of certification by organisations we do not certify.
CREATE TABLE public_notices (
    id TEXT PRIMARY KEY NOT NULL,
    complaint_id TEXT NOT NULL UNIQUE REFERENCES complaints (id),
    organisation_name TEXT NOT NULL,          -- as claimed
    certificate_number TEXT,                  -- the number shown, if any
    statement TEXT NOT NULL,
    published_on DATE NOT NULL,
    withdrawn_on DATE
);
CREATE INDEX public_notices_by_date ON public_notices (published_on);

-- Appeals of clients against decisions (17021-1 9.7).
CREATE TABLE appeals (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    subject TEXT NOT NULL CHECK (subject IN ('refusal', 'suspension', 'withdrawal', 'scope_reduction')),
    decision_id TEXT REFERENCES decisions (id),           -- a refusal
    certificate_id TEXT REFERENCES certificates (id),     -- a suspension, withdrawal or reduction
    certificate_revision BIGINT,                          -- the revision a reduction replaced
    decided_by TEXT REFERENCES users (id),   -- who took the appealed decision; none for the service's own
    decided_at TIMESTAMP NOT NULL,
    grounds TEXT NOT NULL,
    filed_by TEXT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL CHECK (state IN ('received', 'acknowledged', 'reviewing', 'upheld', 'rejected', 'remedied')),
    handler_id TEXT REFERENCES users (id),
    outcome_note TEXT,
    remedied_by TEXT REFERENCES users (id),
    remedy TEXT,                              -- what corrected the decision
    filed_at TIMESTAMP NOT NULL,
    acknowledge_by DATE NOT NULL,
    resolve_by DATE NOT NULL,
    acknowledged_at TIMESTAMP,
    decided_at_on_appeal TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX appeals_by_organisation ON appeals (organisation_id);
CREATE INDEX appeals_by_state ON appeals (state, resolve_by);

-- Who watches a certificate: a person by email (confirmed by a link, double opt-in) or a
-- relying party's account. The token confirms and unsubscribes an email watch.
CREATE TABLE watches (
    id TEXT PRIMARY KEY NOT NULL,
    certificate_number TEXT NOT NULL,
    email TEXT,
    user_id TEXT REFERENCES users (id),
    token TEXT UNIQUE,
    confirmed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK ((email IS NULL) <> (user_id IS NULL))
);
CREATE UNIQUE INDEX watches_by_email ON watches (certificate_number, email);
CREATE UNIQUE INDEX watches_by_user ON watches (certificate_number, user_id);
CREATE INDEX watches_of_user ON watches (user_id);

-- A relying party's webhook receivers; the secret signs every delivery (HMAC-SHA256).
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_of_user ON webhook_endpoints (user_id);

-- The webhook outbox: written with the change, delivered and retried by the dispatcher.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'dead')),
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_status_code BIGINT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_of_endpoint ON webhook_deliveries (endpoint_id, created_at);

-- Relying parties: accounts that watch certificates, belong to no client and are not staff.
CREATE TABLE users_new (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    email TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('applicant', 'admin', 'auditor', 'decision_maker', 'complaint_handler', 'relying_party')),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    tokens_valid_after TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'applicant') = (organisation_id IS NOT NULL))
);
INSERT INTO users_new SELECT id, organisation_id, email, full_name, role, password_hash, active,
    tokens_valid_after, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_organisation_id_idx ON users (organisation_id);
COMMIT;
PRAGMA foreign_keys = ON;
