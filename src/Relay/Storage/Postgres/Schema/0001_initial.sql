-- The PostgreSQL store (issue 18): the tables of SQLite's migrations 0001-0005 in one script, with PostgreSQL's
-- types (BIGINT for SQLite's INTEGER: times are Unix milliseconds, flags 0/1), foreign keys with ON DELETE CASCADE
-- instead of SQLite's triggers, and what several relays sharing the database need: the nodes table and queue claims.
-- Later changes get their own NNNN_name.sql here, beside SQLite's in Storage/Schema.

CREATE TABLE messages (
    seq                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                   TEXT    NOT NULL UNIQUE,
    account              TEXT,
    client_ip            TEXT    NOT NULL,
    helo                 TEXT,
    tls_protocol         TEXT,
    tls_cipher           TEXT,
    mail_from            TEXT    NOT NULL,
    mail_from_parameters TEXT    NOT NULL,
    recipients           TEXT    NOT NULL, -- one address per line
    size                 BIGINT  NOT NULL,
    received_at          BIGINT  NOT NULL, -- Unix time, milliseconds
    subject              TEXT,
    message_id           TEXT,
    from_header          TEXT,
    quarantined          BIGINT  NOT NULL DEFAULT 0,
    verdict              TEXT,             -- Verdict JSON (issue 3)
    spf                  TEXT,
    dkim                 TEXT,
    dmarc                TEXT,
    action               TEXT,
    headers              TEXT    NOT NULL, -- "Field: value" lines, for the token search
    recipient_parameters TEXT,             -- RCPT parameters, one line per recipient, NULL when none had any
    dsn_of               TEXT,             -- for a DSN: the id of the message it reports on
    authenticated_user   TEXT              -- the SMTP AUTH user, NULL when the session did not authenticate
);
CREATE INDEX ix_messages_received_at ON messages (received_at);
CREATE INDEX ix_messages_dsn_of ON messages (dsn_of) WHERE dsn_of IS NOT NULL;

CREATE TABLE message_content (
    seq        BIGINT PRIMARY KEY REFERENCES messages (seq) ON DELETE CASCADE,
    raw        BYTEA NOT NULL,
    transcript TEXT  NOT NULL
);

CREATE TABLE refusals (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time       BIGINT NOT NULL,
    client_ip  TEXT   NOT NULL,
    helo       TEXT,
    stage      TEXT   NOT NULL,
    reply      TEXT   NOT NULL,
    reason     TEXT   NOT NULL,
    account    TEXT,
    mail_from  TEXT,
    recipient  TEXT
);
CREATE INDEX ix_refusals_client_ip ON refusals (client_ip, id);
CREATE INDEX ix_refusals_time ON refusals (time);

CREATE TABLE account_overrides (
    account    TEXT   NOT NULL,
    address    TEXT   NOT NULL,
    state      TEXT   NOT NULL CHECK (state IN ('added', 'removed')),
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (account, address)
);

-- The relays sharing this database: a relay whose heartbeat is older than its Store:NodeTimeout is gone.
CREATE TABLE nodes (
    node       TEXT        PRIMARY KEY,
    heartbeat  TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE deliveries (
    seq            BIGINT NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
    rcpt           BIGINT NOT NULL,
    recipient      TEXT   NOT NULL,
    destination    TEXT   NOT NULL,
    state          TEXT   NOT NULL CHECK (state IN ('queued', 'deferred', 'delivered', 'bounced', 'expired')),
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_attempt   BIGINT NOT NULL,
    last_attempt   BIGINT,
    remote_host    TEXT,
    remote_address TEXT,
    last_reply     TEXT,
    finished_at    BIGINT,
    inflight       BIGINT NOT NULL DEFAULT 0,
    pinned         BIGINT NOT NULL DEFAULT 0,
    claimed_by     TEXT,                      -- the relay (nodes.node) that owns the row: it attempts it and records the outcome
    PRIMARY KEY (seq, rcpt)
);
CREATE INDEX ix_deliveries_pending ON deliveries (next_attempt) WHERE state IN ('queued', 'deferred');
CREATE INDEX ix_deliveries_state ON deliveries (state, seq);

CREATE TABLE fault_rules (
    name       TEXT   NOT NULL,
    state      TEXT   NOT NULL CHECK (state IN ('set', 'deleted')),
    rule       TEXT,
    changed_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ix_fault_rules_name ON fault_rules (lower(name));

CREATE TABLE greylist (
    network    TEXT   NOT NULL,
    sender     TEXT   NOT NULL,
    recipient  TEXT   NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    passed     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (network, sender, recipient)
);
