-- Multi-site samples per programme audit (IAF MD 1:2018): the sites to visit and the ones
-- drawn at random among them; the programme keeps the seed of its random draw.
ALTER TABLE programme_audits ADD COLUMN sample TEXT NOT NULL DEFAULT '{"site_ids": [], "random_site_ids": []}';
ALTER TABLE audit_programmes ADD COLUMN sample_seed BIGINT NOT NULL DEFAULT 0;
