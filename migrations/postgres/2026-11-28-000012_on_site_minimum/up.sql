-- The least share of audit time the CB wants on site for a standard (IAF MD 4 lets the CB
-- set how much may be remote); 0 until the CB sets it.
ALTER TABLE standards ADD COLUMN min_on_site_percent DOUBLE PRECISION NOT NULL DEFAULT 0;
