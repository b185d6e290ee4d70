-- Issue 14: fault rules changed at run time through the admin API. A row either holds a rule posted to the API
-- ('set', its JSON as posted) or hides the configured rule of that name ('deleted'); the effective rules are the
-- configured ones minus the hidden ones, then the posted ones in the order they were posted.
CREATE TABLE fault_rules (
    name       TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    state      TEXT    NOT NULL CHECK (state IN ('set', 'deleted')),
    rule       TEXT,                      -- the rule's JSON when set
    changed_at INTEGER NOT NULL           -- Unix ms
);
