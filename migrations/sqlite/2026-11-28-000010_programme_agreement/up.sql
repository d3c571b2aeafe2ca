-- The client agrees to the quoted audit time and programme (17021-1 5.1.2: a legally
-- enforceable agreement; IAF MD 5: the audit time and its justification are part of it)
-- before stage 1 may be planned.
ALTER TABLE audit_programmes ADD COLUMN state TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'agreed'));
ALTER TABLE audit_programmes ADD COLUMN agreed_by TEXT REFERENCES users (id);
ALTER TABLE audit_programmes ADD COLUMN agreed_at TIMESTAMP;
