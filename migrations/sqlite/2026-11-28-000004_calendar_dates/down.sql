-- Calendar dates as DATE instead of ISO text. SQLite keeps a DATE as 'YYYY-MM-DD' text,
-- exactly what these columns already hold, and diesel's Date reads and writes that form:
-- nothing to convert here (the PostgreSQL twin changes the column types).
SELECT 1;
