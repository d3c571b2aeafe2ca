-- Audits of later cycles: each entry belongs to a three-year cycle (1 for the initial one,
-- one more per recertification), and a kind appears once per cycle, not once per programme.
-- The table is rebuilt (see metadata.toml); audits keep referring to its entries by id.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE programme_audits_new (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES audit_programmes (id),
    kind TEXT NOT NULL CHECK (kind IN ('stage1', 'stage2', 'surveillance1', 'surveillance2', 'recertification')),
    position BIGINT NOT NULL,
    window_start DATE NOT NULL,
    window_end DATE NOT NULL,
    planned_days DOUBLE NOT NULL,
    provisional BOOLEAN NOT NULL,
    sample TEXT NOT NULL DEFAULT '{"site_ids": [], "random_site_ids": []}',
    cycle BIGINT NOT NULL DEFAULT 1,
    UNIQUE (programme_id, cycle, kind)
);
INSERT INTO programme_audits_new
    (id, programme_id, kind, position, window_start, window_end, planned_days, provisional, sample, cycle)
    SELECT id, programme_id, kind, position, window_start, window_end, planned_days, provisional, sample, 1
    FROM programme_audits;
DROP TABLE programme_audits;
ALTER TABLE programme_audits_new RENAME TO programme_audits;
COMMIT;
PRAGMA foreign_keys = ON;
