-- Audits of later cycles: each entry belongs to a three-year cycle (1 for the initial one,
-- one more per recertification), and a kind appears once per cycle, not once per programme.
ALTER TABLE programme_audits ADD COLUMN cycle BIGINT NOT NULL DEFAULT 1;
ALTER TABLE programme_audits DROP CONSTRAINT programme_audits_programme_id_kind_key;
ALTER TABLE programme_audits ADD CONSTRAINT programme_audits_programme_id_cycle_kind_key
    UNIQUE (programme_id, cycle, kind);
