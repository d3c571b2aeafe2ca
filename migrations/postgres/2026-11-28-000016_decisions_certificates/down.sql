DROP TABLE certificate_events;
DROP TABLE certificate_revisions;
DROP TABLE certificates;
DROP TABLE decisions;
