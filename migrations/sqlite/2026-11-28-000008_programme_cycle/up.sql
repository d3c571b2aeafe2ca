-- The programme records which three-year cycle it is and the certificate's expiry
-- (17021-1 9.1.3, 9.6.3); both placed from an estimate until the certification decision.
ALTER TABLE audit_programmes ADD COLUMN cycle BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_programmes ADD COLUMN certificate_expires_on DATE;
