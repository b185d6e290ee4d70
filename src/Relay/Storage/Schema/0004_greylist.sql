-- Issue 14: greylisting state, so that a restart does not greylist every sender again.
-- One row per (client network, sender, recipient) triplet; times are Unix ms.
CREATE TABLE greylist (
    network    TEXT    NOT NULL,          -- the client's network, e.g. 127.0.0.0/24 or 2001:db8::/64
    sender     TEXT    NOT NULL,          -- MAIL FROM, lower case ('' for the null reverse-path)
    recipient  TEXT    NOT NULL,          -- RCPT TO, lower case
    first_seen INTEGER NOT NULL,          -- the first attempt of this round
    last_seen  INTEGER NOT NULL,          -- the last attempt (for a triplet that passed: what Lifetime counts from)
    passed     INTEGER NOT NULL DEFAULT 0, -- 1 once a retry came after the delay and within the window
    PRIMARY KEY (network, sender, recipient)
) WITHOUT ROWID;
