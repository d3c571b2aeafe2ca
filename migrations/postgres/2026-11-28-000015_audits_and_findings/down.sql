ALTER TABLE audit_programmes DROP COLUMN new_stage2_required_on;
DROP TABLE documents;
DROP TABLE findings;
DROP TABLE audit_reports;
DROP TABLE audit_team_members;
DROP TABLE audits;
DROP TABLE deadline_notices;
DROP TABLE conflicts_of_interest;
DROP TABLE auditor_qualifications;
