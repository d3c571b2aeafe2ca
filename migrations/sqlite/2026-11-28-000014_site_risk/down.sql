ALTER TABLE application_sites DROP COLUMN risk_reason;
ALTER TABLE application_sites DROP COLUMN risk_score;
