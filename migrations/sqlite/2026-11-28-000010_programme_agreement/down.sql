ALTER TABLE audit_programmes DROP COLUMN agreed_at;
ALTER TABLE audit_programmes DROP COLUMN agreed_by;
ALTER TABLE audit_programmes DROP COLUMN state;
