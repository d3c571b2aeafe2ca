-- The risk the review records per site (IAF MD 1: the part of each sample not drawn at
-- random is chosen by risk); cleared with the review when the application changes.
ALTER TABLE application_sites ADD COLUMN risk_score BIGINT;
ALTER TABLE application_sites ADD COLUMN risk_reason TEXT;
