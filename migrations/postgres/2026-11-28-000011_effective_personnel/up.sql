-- How the review counted effective personnel (IAF MD 5 2.3): part-time hours, a justified
-- reduction, the figure the audit time was taken for.
ALTER TABLE application_reviews ADD COLUMN personnel TEXT;  -- JSON
