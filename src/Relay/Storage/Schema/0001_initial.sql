-- Messages: metadata and filter columns; the bytes and the transcript live in message_content.
CREATE TABLE messages (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    id                   TEXT    NOT NULL UNIQUE,
    account              TEXT,
    client_ip            TEXT    NOT NULL,
    helo                 TEXT,
    tls_protocol         TEXT,
    tls_cipher           TEXT,
    mail_from            TEXT    NOT NULL,
    mail_from_parameters TEXT    NOT NULL,
    recipients           TEXT    NOT NULL, -- one address per line
    size                 INTEGER NOT NULL,
    received_at          INTEGER NOT NULL, -- Unix time, milliseconds
    subject              TEXT,
    message_id           TEXT,
    from_header          TEXT,
    quarantined          INTEGER NOT NULL DEFAULT 0,
    verdict              TEXT,             -- Verdict JSON (issue 3)
    spf                  TEXT,
    dkim                 TEXT,
    dmarc                TEXT,
    action               TEXT,
    headers              TEXT    NOT NULL  -- "Field: value" lines, for the token search
);
CREATE INDEX ix_messages_received_at ON messages (received_at);

CREATE TABLE message_content (
    seq        INTEGER PRIMARY KEY,
    raw        BLOB NOT NULL,
    transcript TEXT NOT NULL
);

CREATE TRIGGER tr_messages_delete AFTER DELETE ON messages
BEGIN
    DELETE FROM message_content WHERE seq = old.seq;
END;

-- Every refusal, by the SMTP layer or the relay's policy.
CREATE TABLE refusals (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    client_ip  TEXT    NOT NULL,
    helo       TEXT,
    stage      TEXT    NOT NULL,
    reply      TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    account    TEXT,
    mail_from  TEXT,
    recipient  TEXT
);
CREATE INDEX ix_refusals_client_ip ON refusals (client_ip, id);
CREATE INDEX ix_refusals_time ON refusals (time);

-- Outbound servers added or removed at runtime through the admin API, re-applied over the configured accounts at start.
CREATE TABLE account_overrides (
    account    TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('added', 'removed')),
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (account, address)
);
