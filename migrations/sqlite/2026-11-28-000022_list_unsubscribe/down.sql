ALTER TABLE outbox_messages DROP COLUMN list_unsubscribe;
