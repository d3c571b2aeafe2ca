ALTER TABLE application_reviews DROP COLUMN transfer;
