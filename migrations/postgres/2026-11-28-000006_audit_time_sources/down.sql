ALTER TABLE application_reviews DROP COLUMN beyond_table;
UPDATE audit_time_bands SET max_personnel = NULL
    WHERE max_personnel = 10700 AND min_personnel = 8501;
ALTER TABLE standards DROP COLUMN audit_time_confirmed_at;
ALTER TABLE standards DROP COLUMN audit_time_confirmed_by;
ALTER TABLE standards DROP COLUMN audit_time_source;
