-- Foundation: settings, the unit tree, member-count snapshots, staff accounts.
CREATE TABLE app_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE units (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id TEXT REFERENCES units(id),
    -- Materialized path: "/<root id>/.../<own id>/". A subtree is the range
    -- [path, path || '0'), which one index answers ('0' sorts right after '/').
    path TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX units_parent_idx ON units(parent_id);

CREATE TABLE unit_member_counts (
    unit_id TEXT NOT NULL REFERENCES units(id),
    as_of DATE NOT NULL,
    members INTEGER NOT NULL CHECK (members >= 0),
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, as_of)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'organizer', 'viewer')),
    unit_id TEXT REFERENCES units(id),
    display_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
