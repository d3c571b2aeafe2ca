PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE watches;
DROP TABLE appeals;
DROP TABLE public_notices;
DROP TABLE complaints;
DELETE FROM users WHERE role = 'relying_party';
CREATE TABLE users_new (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    email TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('applicant', 'admin', 'auditor', 'decision_maker', 'complaint_handler')),
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
