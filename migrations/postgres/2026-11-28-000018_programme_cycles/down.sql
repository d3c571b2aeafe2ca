-- Back to one entry per kind, for development: the entries of later cycles are dropped
-- with their audits' links to them; programmes and decisions keep their cycle numbers.
UPDATE audits SET programme_audit_id = NULL
    WHERE programme_audit_id IN (SELECT id FROM programme_audits WHERE cycle > 1);
DELETE FROM programme_audits WHERE cycle > 1;
ALTER TABLE programme_audits DROP CONSTRAINT programme_audits_programme_id_cycle_kind_key;
ALTER TABLE programme_audits ADD CONSTRAINT programme_audits_programme_id_kind_key UNIQUE (programme_id, kind);
ALTER TABLE programme_audits DROP COLUMN cycle;
