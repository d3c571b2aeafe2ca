DROP TABLE job_leases;
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE outbox_messages;
