-- Files a reporter attaches to a complaint (photos of a false claim, say): within the
-- upload limit, a few per complaint, checked by content like clients' documents.
CREATE TABLE complaint_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX complaint_evidence_of_complaint ON complaint_evidence (complaint_id);
