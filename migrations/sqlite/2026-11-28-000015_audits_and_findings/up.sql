-- Auditors' competence and conflicts, audits with their teams and reports, findings, and
-- the documents clients upload (ISO/IEC 17021-1 7.1, 5.2, 9.2-9.4).

-- What an auditor may audit: one standard at one grade, for some IAF sector codes, for a period.
CREATE TABLE auditor_qualifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    standard_id TEXT NOT NULL REFERENCES standards (id),
    grade TEXT NOT NULL CHECK (grade IN ('auditor', 'lead_auditor', 'technical_expert')),
    sector_codes TEXT NOT NULL,               -- JSON array of IAF codes 1-39
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX auditor_qualifications_user ON auditor_qualifications (user_id);

-- Declared conflicts of interest of staff with a client, for a period (open-ended when no end).
CREATE TABLE conflicts_of_interest (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    reason TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_until DATE,
    declared_by TEXT NOT NULL REFERENCES users (id),
    declared_at TIMESTAMP NOT NULL
);
CREATE INDEX conflicts_of_interest_user ON conflicts_of_interest (user_id);

-- Reminders and overdue notices already sent: a job sends each once, whichever instance runs it.
CREATE TABLE deadline_notices (
    subject_id TEXT NOT NULL,
    notice TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (subject_id, notice)
);

CREATE TABLE audits (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES audit_programmes (id),
    programme_audit_id TEXT REFERENCES programme_audits (id),   -- none for special audits
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    standard_id TEXT NOT NULL REFERENCES standards (id),
    kind TEXT NOT NULL CHECK (kind IN ('stage1', 'stage2', 'surveillance1', 'surveillance2', 'recertification', 'special')),
    state TEXT NOT NULL CHECK (state IN ('planned', 'confirmed', 'in_progress', 'report_draft', 'completed', 'cancelled')),
    mode TEXT NOT NULL CHECK (mode IN ('on_site', 'remote', 'hybrid')),
    remote_percent DOUBLE NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    days DOUBLE NOT NULL,
    plan TEXT NOT NULL,                       -- JSON: objectives, scope, criteria, sites, sectors
    outcome TEXT,                             -- JSON: stage 1 readiness, conclusion, recommendation
    state_note TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX audits_programme ON audits (programme_id);
CREATE INDEX audits_organisation ON audits (organisation_id);
-- One live audit per programme entry; a cancelled one may be planned again.
CREATE UNIQUE INDEX audits_one_per_programme_audit ON audits (programme_audit_id) WHERE state <> 'cancelled';

CREATE TABLE audit_team_members (
    audit_id TEXT NOT NULL REFERENCES audits (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('lead_auditor', 'auditor', 'technical_expert', 'observer')),
    sector_codes TEXT NOT NULL,               -- JSON: the codes this member's qualification covers
    objection TEXT,                           -- JSON: the client's objection and its outcome
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (audit_id, user_id)
);
CREATE INDEX audit_team_members_user ON audit_team_members (user_id);

-- Frozen audit reports: revision 1 when the audit completes, one more per later change.
CREATE TABLE audit_reports (
    audit_id TEXT NOT NULL REFERENCES audits (id),
    revision BIGINT NOT NULL,
    content TEXT NOT NULL,                    -- JSON: the report as it was frozen
    html TEXT NOT NULL,
    reason TEXT,
    frozen_by TEXT NOT NULL REFERENCES users (id),
    frozen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (audit_id, revision)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    audit_id TEXT NOT NULL REFERENCES audits (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL CHECK (kind IN ('major', 'minor', 'improvement', 'positive')),
    clause TEXT NOT NULL,
    requirement TEXT NOT NULL,
    evidence TEXT NOT NULL,
    statement TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('noted', 'open', 'responded', 'returned', 'accepted', 'evidence_submitted', 'verified')),
    response TEXT,                            -- JSON: correction, cause, corrective action, dates
    response_due DATE,
    closure_due DATE,
    state_note TEXT,
    filed_by TEXT NOT NULL REFERENCES users (id),
    filed_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX findings_audit ON findings (audit_id);
CREATE INDEX findings_organisation ON findings (organisation_id);

CREATE TABLE documents (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    audit_id TEXT REFERENCES audits (id),
    finding_id TEXT REFERENCES findings (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('stage1_documentation', 'corrective_action_evidence')),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL,
    -- A document belongs to an audit or to a finding, never both or neither.
    CHECK ((audit_id IS NULL) <> (finding_id IS NULL))
);
CREATE INDEX documents_audit ON documents (audit_id);
CREATE INDEX documents_finding ON documents (finding_id);

-- Set when a major nonconformity stayed unverified for 6 months after stage 2 (17021-1 9.5.3).
ALTER TABLE audit_programmes ADD COLUMN new_stage2_required_on DATE;
