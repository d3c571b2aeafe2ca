ALTER TABLE standards DROP COLUMN min_on_site_percent;
