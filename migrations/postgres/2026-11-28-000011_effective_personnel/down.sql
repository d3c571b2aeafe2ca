ALTER TABLE application_reviews DROP COLUMN personnel;
