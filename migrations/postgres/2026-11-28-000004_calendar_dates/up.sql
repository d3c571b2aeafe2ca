-- Calendar dates as DATE instead of ISO text (diesel's Date on both backends).
ALTER TABLE audit_programmes
    ALTER COLUMN decision_date TYPE DATE USING decision_date::date;
ALTER TABLE programme_audits
    ALTER COLUMN window_start TYPE DATE USING window_start::date,
    ALTER COLUMN window_end TYPE DATE USING window_end::date;
