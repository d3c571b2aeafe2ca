-- Certification decisions and certificates (ISO/IEC 17021-1 9.5, 8.2; IAF MD 28).

CREATE TABLE decisions (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES audit_programmes (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    cycle BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('grant', 'refuse')),
    rationale TEXT NOT NULL,
    site_scopes TEXT NOT NULL,                -- JSON: the scope granted per site
    decided_by TEXT NOT NULL REFERENCES users (id),
    decided_on DATE NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX decisions_programme ON decisions (programme_id);
-- One grant per programme cycle: of two deciders acting at once, one wins.
CREATE UNIQUE INDEX decisions_one_grant_per_cycle ON decisions (programme_id, cycle) WHERE outcome = 'grant';

CREATE TABLE certificates (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    programme_id TEXT NOT NULL REFERENCES audit_programmes (id),
    standard_id TEXT NOT NULL REFERENCES standards (id),
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn', 'expired')),
    original_grant_on DATE NOT NULL,
    issued_on DATE NOT NULL,
    expires_on DATE NOT NULL,
    revision BIGINT NOT NULL,
    restore_by DATE,                          -- a suspension's deadline
    status_reason TEXT,
    updated_at TIMESTAMP NOT NULL,
    status_index BIGINT NOT NULL UNIQUE        -- its bit in the credential status list
);
CREATE INDEX certificates_organisation ON certificates (organisation_id);

-- Every revision as issued; a new one supersedes the old, which is kept.
CREATE TABLE certificate_revisions (
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    revision BIGINT NOT NULL,
    issued_on DATE NOT NULL,
    content TEXT NOT NULL,                    -- JSON: the certified content of this revision
    reason TEXT,
    superseded_on DATE,
    PRIMARY KEY (certificate_id, revision)
);

-- The status history, the public part of it marked.
CREATE TABLE certificate_events (
    id TEXT PRIMARY KEY NOT NULL,
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    occurred_on DATE NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT,
    public BOOLEAN NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX certificate_events_certificate ON certificate_events (certificate_id);
