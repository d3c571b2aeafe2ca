DROP TABLE programme_audits;
DROP TABLE audit_programmes;
DROP TABLE application_reviews;
DROP TABLE application_sites;
DROP TABLE applications;
DROP TABLE audit_time_bands;
DROP TABLE standard_clauses;
DROP TABLE standards;
