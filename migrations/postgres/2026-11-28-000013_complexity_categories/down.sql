ALTER TABLE application_reviews DROP COLUMN complexity;
DELETE FROM audit_time_bands WHERE standard_id = 'std-iso-14001-2015' OR complexity <> 'any';
ALTER TABLE audit_time_bands DROP CONSTRAINT audit_time_bands_pkey;
ALTER TABLE audit_time_bands DROP COLUMN complexity;
ALTER TABLE audit_time_bands ADD PRIMARY KEY (standard_id, min_personnel);
INSERT INTO audit_time_bands (standard_id, min_personnel, max_personnel, initial_days, surveillance_days, recertification_days) VALUES
    ('std-iso-14001-2015', 1, 5, 2.5, 1.0, 1.5),
    ('std-iso-14001-2015', 6, 10, 3, 1.0, 2.0),
    ('std-iso-14001-2015', 11, 15, 3.5, 1.0, 2.5),
    ('std-iso-14001-2015', 16, 25, 4.5, 1.5, 3.0),
    ('std-iso-14001-2015', 26, 45, 5.5, 2.0, 3.5),
    ('std-iso-14001-2015', 46, 65, 6, 2.0, 4.0),
    ('std-iso-14001-2015', 66, 85, 7, 2.5, 4.5),
    ('std-iso-14001-2015', 86, 125, 8, 2.5, 5.5),
    ('std-iso-14001-2015', 126, 175, 9, 3.0, 6.0),
    ('std-iso-14001-2015', 176, 275, 10, 3.5, 6.5),
    ('std-iso-14001-2015', 276, 425, 11, 3.5, 7.5),
    ('std-iso-14001-2015', 426, 625, 12, 4.0, 8.0),
    ('std-iso-14001-2015', 626, 875, 13, 4.5, 8.5),
    ('std-iso-14001-2015', 876, 1175, 14, 4.5, 9.5),
    ('std-iso-14001-2015', 1176, 1550, 15, 5.0, 10.0),
    ('std-iso-14001-2015', 1551, 2025, 16, 5.5, 10.5),
    ('std-iso-14001-2015', 2026, 2675, 17, 5.5, 11.5),
    ('std-iso-14001-2015', 2676, 3450, 18, 6.0, 12.0),
    ('std-iso-14001-2015', 3451, 4350, 19, 6.5, 12.5),
    ('std-iso-14001-2015', 4351, 5450, 20, 6.5, 13.5),
    ('std-iso-14001-2015', 5451, 6800, 21, 7.0, 14.0),
    ('std-iso-14001-2015', 6801, 8500, 22, 7.5, 14.5),
    ('std-iso-14001-2015', 8501, 10700, 23, 7.5, 15.5);
