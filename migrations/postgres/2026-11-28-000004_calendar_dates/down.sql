ALTER TABLE programme_audits
    ALTER COLUMN window_start TYPE TEXT USING to_char(window_start, 'YYYY-MM-DD'),
    ALTER COLUMN window_end TYPE TEXT USING to_char(window_end, 'YYYY-MM-DD');
ALTER TABLE audit_programmes
    ALTER COLUMN decision_date TYPE TEXT USING to_char(decision_date, 'YYYY-MM-DD');
