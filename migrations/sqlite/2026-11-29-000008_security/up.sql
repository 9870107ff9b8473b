-- Sessions that can end: every token names its session; logout, "sign out
-- everywhere" and a password change revoke sessions at once on every instance.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_subject_idx ON sessions(subject_id);
CREATE INDEX sessions_revoked_idx ON sessions(revoked_at);

-- Failed sign-ins counted per phone and contest (or per staff username),
-- shared by every instance, with a growing lock.
CREATE TABLE auth_failures (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    locked_until TIMESTAMP,
    last_failure_at TIMESTAMP NOT NULL
);

-- One attempt number per person and round, whatever the concurrency.
CREATE UNIQUE INDEX attempts_round_number_key ON attempts(participant_id, round_id, number);

-- The hourly budget of one-time codes per contest.
CREATE INDEX otp_codes_contest_created_idx ON otp_codes(contest_id, created_at);
