ALTER TABLE audit_programmes DROP COLUMN sample_seed;
ALTER TABLE programme_audits DROP COLUMN sample;
