-- Back to ISO text columns.
CREATE TABLE audit_programmes_new (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL UNIQUE REFERENCES applications (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    standard_id TEXT NOT NULL REFERENCES standards (id),
    decision_date TEXT,                       -- ISO date of the certification decision, once taken
    created_at TIMESTAMP NOT NULL
);
INSERT INTO audit_programmes_new SELECT * FROM audit_programmes;

CREATE TABLE programme_audits_new (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES audit_programmes_new (id),
    kind TEXT NOT NULL CHECK (kind IN ('stage1', 'stage2', 'surveillance1', 'surveillance2', 'recertification')),
    position BIGINT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    planned_days DOUBLE NOT NULL,
    provisional BOOLEAN NOT NULL,
    UNIQUE (programme_id, kind)
);
INSERT INTO programme_audits_new SELECT * FROM programme_audits;

DROP TABLE programme_audits;
DROP TABLE audit_programmes;
-- Renaming also rewrites programme_audits_new's reference to the new name.
ALTER TABLE audit_programmes_new RENAME TO audit_programmes;
ALTER TABLE programme_audits_new RENAME TO programme_audits;
