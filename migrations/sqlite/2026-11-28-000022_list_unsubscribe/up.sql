-- A message to a list (a certificate's watchers) carries the link that unsubscribes its
-- recipient, sent as List-Unsubscribe with one-click POST (RFC 8058), as mail providers
-- expect of notifications people subscribed to.
ALTER TABLE outbox_messages ADD COLUMN list_unsubscribe TEXT;
