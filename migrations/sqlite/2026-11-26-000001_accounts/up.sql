-- Client organisations carry what public registers (IAF CertSearch, IAF MD 28) need later:
-- a stable client id, a structured address with an ISO 3166 country code, an optional
-- trading name, and a confidentiality flag that keeps certificates out of the directory.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    legal_name TEXT NOT NULL,
    trading_name TEXT,
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    postcode TEXT NOT NULL,
    country TEXT NOT NULL,
    website TEXT,
    confidential BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Client users belong to exactly one organisation; CB staff belong to none.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    email TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('applicant', 'admin', 'auditor', 'decision_maker', 'complaint_handler')),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    tokens_valid_after TIMESTAMP,             -- tokens issued before this are refused (set on deactivation)
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'applicant') = (organisation_id IS NOT NULL))
);

CREATE INDEX users_organisation_id_idx ON users (organisation_id);
CREATE INDEX organisations_legal_name_idx ON organisations (legal_name);
