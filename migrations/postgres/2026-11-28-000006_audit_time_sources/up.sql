-- Every audit-time table records where its figures come from and whether the certification
-- body has confirmed them against its own copy of that document (who, when). A review on an
-- unconfirmed table cannot be accepted.
ALTER TABLE standards ADD COLUMN audit_time_source TEXT NOT NULL DEFAULT '';
ALTER TABLE standards ADD COLUMN audit_time_confirmed_by TEXT REFERENCES users (id);
ALTER TABLE standards ADD COLUMN audit_time_confirmed_at TIMESTAMP;

-- IAF MD 5 caps reductions at 30 %.
UPDATE standards SET max_reduction_percent = 30 WHERE max_reduction_percent > 30;

-- Tables end where their source ends (IAF MD 5: 8501-10700 is the last row; beyond it
-- "follow progression", which the review now does with entered, justified days).
UPDATE audit_time_bands SET max_personnel = 10700
    WHERE max_personnel IS NULL AND min_personnel <= 10700;
UPDATE audit_time_bands SET max_personnel = min_personnel WHERE max_personnel IS NULL;

-- Beyond the last band the reviewer enters the days with a justification.
ALTER TABLE application_reviews ADD COLUMN beyond_table TEXT;  -- JSON {initial_days, justification}

UPDATE standards SET audit_time_source =
    'IAF MD 5:2019, Table QMS 1 (surveillance one third and recertification two thirds of the initial days, as MD 5 guides)'
    WHERE id = 'std-iso-9001-2015';
UPDATE standards SET audit_time_source =
    'PLACEHOLDER: the figures of IAF MD 5:2019 Table QMS 1. ISO/IEC 20000-6:2017 (9.1.4, Table 1) sets the audit time of a service management system; its figures are not public here. Replace or confirm them from the purchased document.'
    WHERE id = 'std-iso-iec-20000-1-2018';
UPDATE standards SET audit_time_source =
    'IAF MD 5:2019, Table EMS 1, medium complexity up to 875 personnel. Above 875 these figures depart from a public copy of the table (which gives 15 days at 876-1175 rising to 27 at 8501-10700): to be corrected from the document.'
    WHERE id = 'std-iso-14001-2015';
UPDATE standards SET audit_time_source =
    'ISO/IEC 27006 (audit time chart for ISMS): figures not confirmed against the document.'
    WHERE id = 'std-iso-iec-27001-2022';
