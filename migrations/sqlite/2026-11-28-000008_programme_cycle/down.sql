ALTER TABLE audit_programmes DROP COLUMN certificate_expires_on;
ALTER TABLE audit_programmes DROP COLUMN cycle;
