-- Issue 13: the outbound queue. One row per recipient of a message the relay delivers onward, written in the
-- same transaction as the message (the 250 and the queue entry are one commit). Messages kept in Store mode have
-- no rows: the API shows their recipients as "stored".
ALTER TABLE messages ADD COLUMN recipient_parameters TEXT; -- RCPT parameters, one line per recipient (parallel to recipients), NULL when none had any
ALTER TABLE messages ADD COLUMN dsn_of TEXT;               -- for a delivery status notification: the id of the message it reports on

CREATE TABLE deliveries (
    seq            INTEGER NOT NULL,          -- messages.seq
    rcpt           INTEGER NOT NULL,          -- index into messages.recipients
    recipient      TEXT    NOT NULL,
    destination    TEXT    NOT NULL,          -- "nexthop:host:port", "nexthop:[ip]:port" or "mx:domain"
    state          TEXT    NOT NULL CHECK (state IN ('queued', 'deferred', 'delivered', 'bounced', 'expired')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_attempt   INTEGER NOT NULL,          -- Unix ms; meaningful while queued or deferred
    last_attempt   INTEGER,
    remote_host    TEXT,
    remote_address TEXT,
    last_reply     TEXT,
    finished_at    INTEGER,                   -- Unix ms of the final state
    inflight       INTEGER NOT NULL DEFAULT 0, -- claimed by a delivery attempt whose outcome is not yet recorded (kept by a deferral after such an attempt was cut off)
    pinned         INTEGER NOT NULL DEFAULT 0, -- 1: the destination was given (a release); else it follows the configuration at start
    PRIMARY KEY (seq, rcpt)
) WITHOUT ROWID;
CREATE INDEX ix_deliveries_pending ON deliveries (seq) WHERE state IN ('queued', 'deferred');
CREATE INDEX ix_deliveries_state ON deliveries (state, seq);
CREATE INDEX ix_messages_dsn_of ON messages (dsn_of) WHERE dsn_of IS NOT NULL;

CREATE TRIGGER tr_messages_delete_deliveries AFTER DELETE ON messages
BEGIN
    DELETE FROM deliveries WHERE seq = old.seq;
END;
