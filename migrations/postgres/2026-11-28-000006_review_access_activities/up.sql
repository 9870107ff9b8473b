-- One person, one result: review decisions, disqualification and "same
-- person" groups; prizes per round; an audit log; co-organizer access
-- (viewers assigned to contests, share links); each unit's activity ledger.
ALTER TABLE participants ADD COLUMN disqualified_reason TEXT;
ALTER TABLE participants ADD COLUMN same_as TEXT;
ALTER TABLE round_results ADD COLUMN counted BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX attempts_round_status_idx ON attempts(round_id, status);
ALTER TABLE rounds ADD COLUMN prize_plan TEXT;
ALTER TABLE rounds ADD COLUMN prizes_published_at TIMESTAMP;
ALTER TABLE rounds ADD COLUMN prizes_hash TEXT;

CREATE TABLE prizes (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    participant_id TEXT NOT NULL REFERENCES participants(id),
    tier INTEGER NOT NULL,
    tier_name TEXT NOT NULL,
    rank BIGINT NOT NULL,
    PRIMARY KEY (round_id, participant_id)
);

CREATE TABLE review_decisions (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id),
    signal TEXT NOT NULL,
    group_key TEXT NOT NULL,
    members TEXT NOT NULL,
    decision TEXT NOT NULL,
    participant_id TEXT REFERENCES participants(id),
    reason TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX review_decisions_contest_idx ON review_decisions(contest_id, created_at);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    contest_id TEXT REFERENCES contests(id),
    unit_id TEXT REFERENCES units(id),
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_contest_idx ON audit_log(contest_id, created_at);
CREATE INDEX audit_log_unit_idx ON audit_log(unit_id, created_at);

CREATE TABLE contest_viewers (
    contest_id TEXT NOT NULL REFERENCES contests(id),
    account_id TEXT NOT NULL REFERENCES accounts(id),
    added_by TEXT NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (contest_id, account_id)
);

CREATE TABLE share_links (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id),
    label TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX share_links_contest_idx ON share_links(contest_id);

CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    date DATE NOT NULL,
    title TEXT NOT NULL,
    participants INTEGER NOT NULL,
    member_participants INTEGER NOT NULL,
    rate DOUBLE PRECISION,
    average_score DOUBLE PRECISION,
    winners INTEGER NOT NULL,
    invited_youth INTEGER NOT NULL,
    co_organizers TEXT NOT NULL,
    notes TEXT NOT NULL,
    evidence_url TEXT NOT NULL,
    contest_id TEXT REFERENCES contests(id),
    round_id TEXT REFERENCES rounds(id),
    recorded_by TEXT REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, unit_id)
);
CREATE INDEX activities_unit_date_idx ON activities(unit_id, date);
