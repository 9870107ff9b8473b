-- Self-service for organizers: accounts created or reset in the web pages
-- carry a one-time password that must be changed at the first sign-in;
-- a contest has its rules text ("Thể lệ"); reopening a closed round is
-- recorded with its reason in the audit log.
ALTER TABLE accounts ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE contests ADD COLUMN rules TEXT NOT NULL DEFAULT '';
-- A unit's logo (its emblem on the contest page and poster): PNG or JPEG.
CREATE TABLE unit_logos (
    unit_id TEXT PRIMARY KEY NOT NULL REFERENCES units(id),
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
