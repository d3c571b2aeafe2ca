-- The pre-transfer review of a transfer (IAF MD 2), recorded with the application review.
ALTER TABLE application_reviews ADD COLUMN transfer TEXT;  -- JSON
