-- Each certificate revision's PDF/A as issued: kept byte for byte, because its credential
-- names it by SHA-256.
CREATE TABLE certificate_documents (
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    revision BIGINT NOT NULL,
    sha256 TEXT NOT NULL,                     -- hex
    content BYTEA NOT NULL,
    PRIMARY KEY (certificate_id, revision)
);
