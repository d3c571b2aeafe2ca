-- Standards catalogue: what the certification body certifies against.
CREATE TABLE standards (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,                       -- e.g. ISO/IEC 20000-1
    edition TEXT NOT NULL,                    -- e.g. 2018
    title TEXT NOT NULL,
    max_reduction_percent DOUBLE PRECISION NOT NULL,  -- IAF MD 5 caps reductions of audit time
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (code, edition)
);

-- Clause list: a finding's clause reference must be one of these.
CREATE TABLE standard_clauses (
    standard_id TEXT NOT NULL REFERENCES standards (id),
    clause TEXT NOT NULL,
    title TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (standard_id, clause)
);

-- Audit-time table: auditor days by effective personnel (IAF MD 5 and sector documents).
CREATE TABLE audit_time_bands (
    standard_id TEXT NOT NULL REFERENCES standards (id),
    min_personnel BIGINT NOT NULL,
    max_personnel BIGINT,                     -- NULL: open-ended last band
    initial_days DOUBLE PRECISION NOT NULL,   -- stage 1 + stage 2
    surveillance_days DOUBLE PRECISION NOT NULL,
    recertification_days DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (standard_id, min_personnel)
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    standard_id TEXT NOT NULL REFERENCES standards (id),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'under_review', 'information_requested', 'accepted', 'rejected', 'withdrawn')),
    scope_statement TEXT NOT NULL,
    total_personnel BIGINT NOT NULL,
    sector_codes TEXT NOT NULL,               -- JSON array of IAF sector codes (1-39), for competence and registers
    services_in_scope TEXT NOT NULL,          -- JSON array of strings (ISO/IEC 20000-1)
    outsourced_processes TEXT NOT NULL,       -- JSON array of strings
    consultancy TEXT NOT NULL,                -- JSON array of {provider, ended_on (null: ongoing), description}
    current_certification TEXT,               -- JSON {certification_body, certificate_number, expires_on} for transfers
    state_note TEXT,                          -- information requested, rejection reason, withdrawal reason
    created_by TEXT NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX applications_organisation_idx ON applications (organisation_id, created_at);
CREATE INDEX applications_state_idx ON applications (state, created_at);

CREATE TABLE application_sites (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    postcode TEXT NOT NULL,
    country TEXT NOT NULL,
    headcount BIGINT NOT NULL,
    is_central BOOLEAN NOT NULL,
    scope TEXT                                -- this site's part of the scope, when it differs (certificates list scope per site)
);
CREATE INDEX application_sites_application_idx ON application_sites (application_id, position);

-- The CB's review of an application (17021-1 9.1.2), kept with what it computed.
CREATE TABLE application_reviews (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications (id),
    information_sufficient BOOLEAN NOT NULL,
    scope_clear BOOLEAN NOT NULL,
    competence_available BOOLEAN NOT NULL,
    impartiality_threats TEXT NOT NULL,       -- JSON array of strings (consultancy flagged automatically)
    threats_addressed BOOLEAN NOT NULL,
    notes TEXT,                               -- language, safety and other notes
    adjustments TEXT NOT NULL,                -- JSON array of {percent, justification}
    audit_time TEXT NOT NULL,                 -- JSON of the computed audit time
    sampled_site_ids TEXT NOT NULL,           -- JSON array
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- The three-year audit programme created on acceptance (17021-1 9.1.3).
CREATE TABLE audit_programmes (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL UNIQUE REFERENCES applications (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    standard_id TEXT NOT NULL REFERENCES standards (id),
    decision_date TEXT,                       -- ISO date of the certification decision, once taken
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE programme_audits (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES audit_programmes (id),
    kind TEXT NOT NULL CHECK (kind IN ('stage1', 'stage2', 'surveillance1', 'surveillance2', 'recertification')),
    position BIGINT NOT NULL,
    window_start TEXT NOT NULL,               -- ISO dates
    window_end TEXT NOT NULL,
    planned_days DOUBLE PRECISION NOT NULL,
    provisional BOOLEAN NOT NULL,
    UNIQUE (programme_id, kind)
);

-- Seed catalogue. Audit-time bands: ISO 9001 and ISO/IEC 20000-1 from the IAF MD 5 QMS table,
-- ISO 14001 from its EMS table (medium complexity), ISO/IEC 27001 from ISO/IEC 27006;
-- surveillance one third and recertification two thirds of the initial days. Admins keep them current.
INSERT INTO standards (id, code, edition, title, max_reduction_percent, active, created_at, updated_at) VALUES ('std-iso-iec-20000-1-2018', 'ISO/IEC 20000-1', '2018', 'Information technology — Service management — Part 1: Service management system requirements', 30, TRUE, '2026-11-26 00:00:00', '2026-11-26 00:00:00');
INSERT INTO audit_time_bands (standard_id, min_personnel, max_personnel, initial_days, surveillance_days, recertification_days) VALUES
    ('std-iso-iec-20000-1-2018', 1, 5, 1.5, 0.5, 1.0),
    ('std-iso-iec-20000-1-2018', 6, 10, 2, 0.5, 1.5),
    ('std-iso-iec-20000-1-2018', 11, 15, 2.5, 1.0, 1.5),
    ('std-iso-iec-20000-1-2018', 16, 25, 3, 1.0, 2.0),
    ('std-iso-iec-20000-1-2018', 26, 45, 4, 1.5, 2.5),
    ('std-iso-iec-20000-1-2018', 46, 65, 5, 1.5, 3.5),
    ('std-iso-iec-20000-1-2018', 66, 85, 6, 2.0, 4.0),
    ('std-iso-iec-20000-1-2018', 86, 125, 7, 2.5, 4.5),
    ('std-iso-iec-20000-1-2018', 126, 175, 8, 2.5, 5.5),
    ('std-iso-iec-20000-1-2018', 176, 275, 9, 3.0, 6.0),
    ('std-iso-iec-20000-1-2018', 276, 425, 10, 3.5, 6.5),
    ('std-iso-iec-20000-1-2018', 426, 625, 11, 3.5, 7.5),
    ('std-iso-iec-20000-1-2018', 626, 875, 12, 4.0, 8.0),
    ('std-iso-iec-20000-1-2018', 876, 1175, 13, 4.5, 8.5),
    ('std-iso-iec-20000-1-2018', 1176, 1550, 14, 4.5, 9.5),
    ('std-iso-iec-20000-1-2018', 1551, 2025, 15, 5.0, 10.0),
    ('std-iso-iec-20000-1-2018', 2026, 2675, 16, 5.5, 10.5),
    ('std-iso-iec-20000-1-2018', 2676, 3450, 17, 5.5, 11.5),
    ('std-iso-iec-20000-1-2018', 3451, 4350, 18, 6.0, 12.0),
    ('std-iso-iec-20000-1-2018', 4351, 5450, 19, 6.5, 12.5),
    ('std-iso-iec-20000-1-2018', 5451, 6800, 20, 6.5, 13.5),
    ('std-iso-iec-20000-1-2018', 6801, 8500, 21, 7.0, 14.0),
    ('std-iso-iec-20000-1-2018', 8501, NULL, 22, 7.5, 14.5);
INSERT INTO standard_clauses (standard_id, clause, title, position) VALUES
    ('std-iso-iec-20000-1-2018', '4', 'Context of the organization', 1),
    ('std-iso-iec-20000-1-2018', '4.1', 'Understanding the organization and its context', 2),
    ('std-iso-iec-20000-1-2018', '4.2', 'Understanding the needs and expectations of interested parties', 3),
    ('std-iso-iec-20000-1-2018', '4.3', 'Determining the scope of the service management system', 4),
    ('std-iso-iec-20000-1-2018', '4.4', 'Service management system', 5),
    ('std-iso-iec-20000-1-2018', '5', 'Leadership', 6),
    ('std-iso-iec-20000-1-2018', '5.1', 'Leadership and commitment', 7),
    ('std-iso-iec-20000-1-2018', '5.2', 'Policy', 8),
    ('std-iso-iec-20000-1-2018', '5.3', 'Organizational roles, responsibilities and authorities', 9),
    ('std-iso-iec-20000-1-2018', '6', 'Planning', 10),
    ('std-iso-iec-20000-1-2018', '6.1', 'Actions to address risks and opportunities', 11),
    ('std-iso-iec-20000-1-2018', '6.2', 'Service management objectives and planning to achieve them', 12),
    ('std-iso-iec-20000-1-2018', '6.3', 'Plan the service management system', 13),
    ('std-iso-iec-20000-1-2018', '7', 'Support of the service management system', 14),
    ('std-iso-iec-20000-1-2018', '7.1', 'Resources', 15),
    ('std-iso-iec-20000-1-2018', '7.2', 'Competence', 16),
    ('std-iso-iec-20000-1-2018', '7.3', 'Awareness', 17),
    ('std-iso-iec-20000-1-2018', '7.4', 'Communication', 18),
    ('std-iso-iec-20000-1-2018', '7.5', 'Documented information', 19),
    ('std-iso-iec-20000-1-2018', '7.6', 'Knowledge', 20),
    ('std-iso-iec-20000-1-2018', '8', 'Operation of the service management system', 21),
    ('std-iso-iec-20000-1-2018', '8.1', 'Operational planning and control', 22),
    ('std-iso-iec-20000-1-2018', '8.2', 'Service portfolio', 23),
    ('std-iso-iec-20000-1-2018', '8.3', 'Relationship and agreement', 24),
    ('std-iso-iec-20000-1-2018', '8.4', 'Supply and demand', 25),
    ('std-iso-iec-20000-1-2018', '8.5', 'Service design, build and transition', 26),
    ('std-iso-iec-20000-1-2018', '8.6', 'Resolution and fulfilment', 27),
    ('std-iso-iec-20000-1-2018', '8.7', 'Service assurance', 28),
    ('std-iso-iec-20000-1-2018', '9', 'Performance evaluation', 29),
    ('std-iso-iec-20000-1-2018', '9.1', 'Monitoring, measurement, analysis and evaluation', 30),
    ('std-iso-iec-20000-1-2018', '9.2', 'Internal audit', 31),
    ('std-iso-iec-20000-1-2018', '9.3', 'Management review', 32),
    ('std-iso-iec-20000-1-2018', '9.4', 'Service reporting', 33),
    ('std-iso-iec-20000-1-2018', '10', 'Improvement', 34),
    ('std-iso-iec-20000-1-2018', '10.1', 'Nonconformity and corrective action', 35),
    ('std-iso-iec-20000-1-2018', '10.2', 'Continual improvement', 36);
INSERT INTO standards (id, code, edition, title, max_reduction_percent, active, created_at, updated_at) VALUES ('std-iso-9001-2015', 'ISO 9001', '2015', 'Quality management systems — Requirements', 30, TRUE, '2026-11-26 00:00:00', '2026-11-26 00:00:00');
INSERT INTO audit_time_bands (standard_id, min_personnel, max_personnel, initial_days, surveillance_days, recertification_days) VALUES
    ('std-iso-9001-2015', 1, 5, 1.5, 0.5, 1.0),
    ('std-iso-9001-2015', 6, 10, 2, 0.5, 1.5),
    ('std-iso-9001-2015', 11, 15, 2.5, 1.0, 1.5),
    ('std-iso-9001-2015', 16, 25, 3, 1.0, 2.0),
    ('std-iso-9001-2015', 26, 45, 4, 1.5, 2.5),
    ('std-iso-9001-2015', 46, 65, 5, 1.5, 3.5),
    ('std-iso-9001-2015', 66, 85, 6, 2.0, 4.0),
    ('std-iso-9001-2015', 86, 125, 7, 2.5, 4.5),
    ('std-iso-9001-2015', 126, 175, 8, 2.5, 5.5),
    ('std-iso-9001-2015', 176, 275, 9, 3.0, 6.0),
    ('std-iso-9001-2015', 276, 425, 10, 3.5, 6.5),
    ('std-iso-9001-2015', 426, 625, 11, 3.5, 7.5),
    ('std-iso-9001-2015', 626, 875, 12, 4.0, 8.0),
    ('std-iso-9001-2015', 876, 1175, 13, 4.5, 8.5),
    ('std-iso-9001-2015', 1176, 1550, 14, 4.5, 9.5),
    ('std-iso-9001-2015', 1551, 2025, 15, 5.0, 10.0),
    ('std-iso-9001-2015', 2026, 2675, 16, 5.5, 10.5),
    ('std-iso-9001-2015', 2676, 3450, 17, 5.5, 11.5),
    ('std-iso-9001-2015', 3451, 4350, 18, 6.0, 12.0),
    ('std-iso-9001-2015', 4351, 5450, 19, 6.5, 12.5),
    ('std-iso-9001-2015', 5451, 6800, 20, 6.5, 13.5),
    ('std-iso-9001-2015', 6801, 8500, 21, 7.0, 14.0),
    ('std-iso-9001-2015', 8501, NULL, 22, 7.5, 14.5);
INSERT INTO standard_clauses (standard_id, clause, title, position) VALUES
    ('std-iso-9001-2015', '4', 'Context of the organization', 1),
    ('std-iso-9001-2015', '4.1', 'Understanding the organization and its context', 2),
    ('std-iso-9001-2015', '4.2', 'Understanding the needs and expectations of interested parties', 3),
    ('std-iso-9001-2015', '4.3', 'Determining the scope of the quality management system', 4),
    ('std-iso-9001-2015', '4.4', 'Quality management system and its processes', 5),
    ('std-iso-9001-2015', '5', 'Leadership', 6),
    ('std-iso-9001-2015', '5.1', 'Leadership and commitment', 7),
    ('std-iso-9001-2015', '5.2', 'Policy', 8),
    ('std-iso-9001-2015', '5.3', 'Organizational roles, responsibilities and authorities', 9),
    ('std-iso-9001-2015', '6', 'Planning', 10),
    ('std-iso-9001-2015', '6.1', 'Actions to address risks and opportunities', 11),
    ('std-iso-9001-2015', '6.2', 'Quality objectives and planning to achieve them', 12),
    ('std-iso-9001-2015', '6.3', 'Planning of changes', 13),
    ('std-iso-9001-2015', '7', 'Support', 14),
    ('std-iso-9001-2015', '7.1', 'Resources', 15),
    ('std-iso-9001-2015', '7.2', 'Competence', 16),
    ('std-iso-9001-2015', '7.3', 'Awareness', 17),
    ('std-iso-9001-2015', '7.4', 'Communication', 18),
    ('std-iso-9001-2015', '7.5', 'Documented information', 19),
    ('std-iso-9001-2015', '8', 'Operation', 20),
    ('std-iso-9001-2015', '8.1', 'Operational planning and control', 21),
    ('std-iso-9001-2015', '8.2', 'Requirements for products and services', 22),
    ('std-iso-9001-2015', '8.3', 'Design and development of products and services', 23),
    ('std-iso-9001-2015', '8.4', 'Control of externally provided processes, products and services', 24),
    ('std-iso-9001-2015', '8.5', 'Production and service provision', 25),
    ('std-iso-9001-2015', '8.6', 'Release of products and services', 26),
    ('std-iso-9001-2015', '8.7', 'Control of nonconforming outputs', 27),
    ('std-iso-9001-2015', '9', 'Performance evaluation', 28),
    ('std-iso-9001-2015', '9.1', 'Monitoring, measurement, analysis and evaluation', 29),
    ('std-iso-9001-2015', '9.2', 'Internal audit', 30),
    ('std-iso-9001-2015', '9.3', 'Management review', 31),
    ('std-iso-9001-2015', '10', 'Improvement', 32),
    ('std-iso-9001-2015', '10.1', 'General', 33),
    ('std-iso-9001-2015', '10.2', 'Nonconformity and corrective action', 34),
    ('std-iso-9001-2015', '10.3', 'Continual improvement', 35);
INSERT INTO standards (id, code, edition, title, max_reduction_percent, active, created_at, updated_at) VALUES ('std-iso-iec-27001-2022', 'ISO/IEC 27001', '2022', 'Information security, cybersecurity and privacy protection — Information security management systems — Requirements', 30, TRUE, '2026-11-26 00:00:00', '2026-11-26 00:00:00');
INSERT INTO audit_time_bands (standard_id, min_personnel, max_personnel, initial_days, surveillance_days, recertification_days) VALUES
    ('std-iso-iec-27001-2022', 1, 10, 5, 1.5, 3.5),
    ('std-iso-iec-27001-2022', 11, 15, 6, 2.0, 4.0),
    ('std-iso-iec-27001-2022', 16, 25, 7, 2.5, 4.5),
    ('std-iso-iec-27001-2022', 26, 45, 8.5, 3.0, 5.5),
    ('std-iso-iec-27001-2022', 46, 65, 10, 3.5, 6.5),
    ('std-iso-iec-27001-2022', 66, 85, 11, 3.5, 7.5),
    ('std-iso-iec-27001-2022', 86, 125, 12, 4.0, 8.0),
    ('std-iso-iec-27001-2022', 126, 175, 13, 4.5, 8.5),
    ('std-iso-iec-27001-2022', 176, 275, 14, 4.5, 9.5),
    ('std-iso-iec-27001-2022', 276, 425, 15, 5.0, 10.0),
    ('std-iso-iec-27001-2022', 426, 625, 16.5, 5.5, 11.0),
    ('std-iso-iec-27001-2022', 626, 875, 17.5, 6.0, 11.5),
    ('std-iso-iec-27001-2022', 876, 1175, 18.5, 6.0, 12.5),
    ('std-iso-iec-27001-2022', 1176, 1550, 19.5, 6.5, 13.0),
    ('std-iso-iec-27001-2022', 1551, 2025, 21, 7.0, 14.0),
    ('std-iso-iec-27001-2022', 2026, 2675, 22, 7.5, 14.5),
    ('std-iso-iec-27001-2022', 2676, 3450, 23, 7.5, 15.5),
    ('std-iso-iec-27001-2022', 3451, 4350, 24, 8.0, 16.0),
    ('std-iso-iec-27001-2022', 4351, 5450, 25, 8.5, 16.5),
    ('std-iso-iec-27001-2022', 5451, 6800, 26, 8.5, 17.5),
    ('std-iso-iec-27001-2022', 6801, 8500, 27, 9.0, 18.0),
    ('std-iso-iec-27001-2022', 8501, NULL, 28, 9.5, 18.5);
INSERT INTO standard_clauses (standard_id, clause, title, position) VALUES
    ('std-iso-iec-27001-2022', '4', 'Context of the organization', 1),
    ('std-iso-iec-27001-2022', '4.1', 'Understanding the organization and its context', 2),
    ('std-iso-iec-27001-2022', '4.2', 'Understanding the needs and expectations of interested parties', 3),
    ('std-iso-iec-27001-2022', '4.3', 'Determining the scope of the information security management system', 4),
    ('std-iso-iec-27001-2022', '4.4', 'Information security management system', 5),
    ('std-iso-iec-27001-2022', '5', 'Leadership', 6),
    ('std-iso-iec-27001-2022', '5.1', 'Leadership and commitment', 7),
    ('std-iso-iec-27001-2022', '5.2', 'Policy', 8),
    ('std-iso-iec-27001-2022', '5.3', 'Organizational roles, responsibilities and authorities', 9),
    ('std-iso-iec-27001-2022', '6', 'Planning', 10),
    ('std-iso-iec-27001-2022', '6.1', 'Actions to address risks and opportunities', 11),
    ('std-iso-iec-27001-2022', '6.2', 'Information security objectives and planning to achieve them', 12),
    ('std-iso-iec-27001-2022', '6.3', 'Planning of changes', 13),
    ('std-iso-iec-27001-2022', '7', 'Support', 14),
    ('std-iso-iec-27001-2022', '7.1', 'Resources', 15),
    ('std-iso-iec-27001-2022', '7.2', 'Competence', 16),
    ('std-iso-iec-27001-2022', '7.3', 'Awareness', 17),
    ('std-iso-iec-27001-2022', '7.4', 'Communication', 18),
    ('std-iso-iec-27001-2022', '7.5', 'Documented information', 19),
    ('std-iso-iec-27001-2022', '8', 'Operation', 20),
    ('std-iso-iec-27001-2022', '8.1', 'Operational planning and control', 21),
    ('std-iso-iec-27001-2022', '8.2', 'Information security risk assessment', 22),
    ('std-iso-iec-27001-2022', '8.3', 'Information security risk treatment', 23),
    ('std-iso-iec-27001-2022', '9', 'Performance evaluation', 24),
    ('std-iso-iec-27001-2022', '9.1', 'Monitoring, measurement, analysis and evaluation', 25),
    ('std-iso-iec-27001-2022', '9.2', 'Internal audit', 26),
    ('std-iso-iec-27001-2022', '9.3', 'Management review', 27),
    ('std-iso-iec-27001-2022', '10', 'Improvement', 28),
    ('std-iso-iec-27001-2022', '10.1', 'Continual improvement', 29),
    ('std-iso-iec-27001-2022', '10.2', 'Nonconformity and corrective action', 30),
    ('std-iso-iec-27001-2022', 'A.5', 'Organizational controls', 31),
    ('std-iso-iec-27001-2022', 'A.6', 'People controls', 32),
    ('std-iso-iec-27001-2022', 'A.7', 'Physical controls', 33),
    ('std-iso-iec-27001-2022', 'A.8', 'Technological controls', 34);
INSERT INTO standards (id, code, edition, title, max_reduction_percent, active, created_at, updated_at) VALUES ('std-iso-14001-2015', 'ISO 14001', '2015', 'Environmental management systems — Requirements with guidance for use', 30, TRUE, '2026-11-26 00:00:00', '2026-11-26 00:00:00');
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
    ('std-iso-14001-2015', 8501, NULL, 23, 7.5, 15.5);
INSERT INTO standard_clauses (standard_id, clause, title, position) VALUES
    ('std-iso-14001-2015', '4', 'Context of the organization', 1),
    ('std-iso-14001-2015', '4.1', 'Understanding the organization and its context', 2),
    ('std-iso-14001-2015', '4.2', 'Understanding the needs and expectations of interested parties', 3),
    ('std-iso-14001-2015', '4.3', 'Determining the scope of the environmental management system', 4),
    ('std-iso-14001-2015', '4.4', 'Environmental management system', 5),
    ('std-iso-14001-2015', '5', 'Leadership', 6),
    ('std-iso-14001-2015', '5.1', 'Leadership and commitment', 7),
    ('std-iso-14001-2015', '5.2', 'Environmental policy', 8),
    ('std-iso-14001-2015', '5.3', 'Organizational roles, responsibilities and authorities', 9),
    ('std-iso-14001-2015', '6', 'Planning', 10),
    ('std-iso-14001-2015', '6.1', 'Actions to address risks and opportunities', 11),
    ('std-iso-14001-2015', '6.2', 'Environmental objectives and planning to achieve them', 12),
    ('std-iso-14001-2015', '7', 'Support', 13),
    ('std-iso-14001-2015', '7.1', 'Resources', 14),
    ('std-iso-14001-2015', '7.2', 'Competence', 15),
    ('std-iso-14001-2015', '7.3', 'Awareness', 16),
    ('std-iso-14001-2015', '7.4', 'Communication', 17),
    ('std-iso-14001-2015', '7.5', 'Documented information', 18),
    ('std-iso-14001-2015', '8', 'Operation', 19),
    ('std-iso-14001-2015', '8.1', 'Operational planning and control', 20),
    ('std-iso-14001-2015', '8.2', 'Emergency preparedness and response', 21),
    ('std-iso-14001-2015', '9', 'Performance evaluation', 22),
    ('std-iso-14001-2015', '9.1', 'Monitoring, measurement, analysis and evaluation', 23),
    ('std-iso-14001-2015', '9.2', 'Internal audit', 24),
    ('std-iso-14001-2015', '9.3', 'Management review', 25),
    ('std-iso-14001-2015', '10', 'Improvement', 26),
    ('std-iso-14001-2015', '10.1', 'General', 27),
    ('std-iso-14001-2015', '10.2', 'Nonconformity and corrective action', 28),
    ('std-iso-14001-2015', '10.3', 'Continual improvement', 29);
