DROP TABLE job_leases;
DROP TABLE audit_events;
DROP TABLE outbox_messages;
