-- Back to one entry per kind, for development: the entries of later cycles are dropped
-- with their audits' links to them; programmes and decisions keep their cycle numbers.
PRAGMA foreign_keys = OFF;
BEGIN;
UPDATE audits SET programme_audit_id = NULL
    WHERE programme_audit_id IN (SELECT id FROM programme_audits WHERE cycle > 1);
CREATE TABLE programme_audits_previous (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES audit_programmes (id),
    kind TEXT NOT NULL CHECK (kind IN ('stage1', 'stage2', 'surveillance1', 'surveillance2', 'recertification')),
    position BIGINT NOT NULL,
    window_start DATE NOT NULL,
    window_end DATE NOT NULL,
    planned_days DOUBLE NOT NULL,
    provisional BOOLEAN NOT NULL,
    sample TEXT NOT NULL DEFAULT '{"site_ids": [], "random_site_ids": []}',
    UNIQUE (programme_id, kind)
);
INSERT INTO programme_audits_previous
    SELECT id, programme_id, kind, position, window_start, window_end, planned_days, provisional, sample
    FROM programme_audits WHERE cycle = 1;
DROP TABLE programme_audits;
ALTER TABLE programme_audits_previous RENAME TO programme_audits;
COMMIT;
PRAGMA foreign_keys = ON;
