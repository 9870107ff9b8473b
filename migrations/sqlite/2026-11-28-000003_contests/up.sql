-- Contests, rounds, participants, attempts, answers and each person's best result.
CREATE TABLE contests (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    eligible_unit_id TEXT NOT NULL REFERENCES units(id),
    co_organizers TEXT NOT NULL,
    bank_version_id TEXT NOT NULL REFERENCES bank_versions(id),
    blueprint TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    attempts_per_round INTEGER NOT NULL,
    grace_seconds INTEGER NOT NULL,
    prediction_prompt TEXT,
    prediction_target TEXT,
    age_min INTEGER NOT NULL,
    age_max INTEGER NOT NULL,
    show_answers_after_close BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE rounds (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id),
    number INTEGER NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    UNIQUE (contest_id, number)
);

CREATE TABLE participants (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id),
    phone TEXT NOT NULL,
    full_name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    birth_date DATE NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    category TEXT NOT NULL,
    cccd_hash TEXT,
    cccd_last4 TEXT,
    email TEXT,
    invited_by_phone TEXT,
    device_id TEXT,
    ip TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (contest_id, phone)
);
CREATE INDEX participants_unit_idx ON participants(contest_id, unit_id);

CREATE TABLE attempts (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id),
    participant_id TEXT NOT NULL REFERENCES participants(id),
    round_id TEXT REFERENCES rounds(id),
    number INTEGER NOT NULL,
    practice BOOLEAN NOT NULL,
    bank_version_id TEXT NOT NULL REFERENCES bank_versions(id),
    seed BIGINT NOT NULL,
    paper TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    deadline TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    finished_at TIMESTAMP,
    score INTEGER,
    max_score INTEGER NOT NULL,
    correct INTEGER,
    total INTEGER NOT NULL,
    duration_ms BIGINT,
    prediction BIGINT
);
CREATE INDEX attempts_participant_idx ON attempts(participant_id, round_id);
CREATE INDEX attempts_open_deadline_idx ON attempts(status, deadline);

CREATE TABLE answers (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    position INTEGER NOT NULL,
    choices TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    PRIMARY KEY (attempt_id, position)
);

-- Each person's best finished attempt in a round, kept up to date on finish.
CREATE TABLE round_results (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    participant_id TEXT NOT NULL REFERENCES participants(id),
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    score INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    duration_ms BIGINT NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    prediction BIGINT,
    attempts_used INTEGER NOT NULL,
    PRIMARY KEY (round_id, participant_id)
);
CREATE INDEX round_results_rank_idx ON round_results(round_id, score DESC, duration_ms ASC, finished_at ASC);
