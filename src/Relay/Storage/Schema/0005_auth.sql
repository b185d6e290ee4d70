-- Issue 14: SMTP AUTH. The user a message's session authenticated as (AUTH PLAIN/LOGIN), NULL when it did not.
ALTER TABLE messages ADD COLUMN authenticated_user TEXT;
