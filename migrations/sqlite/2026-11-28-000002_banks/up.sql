-- Question banks: immutable versions identified by a content hash.
CREATE TABLE banks (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    unit_id TEXT REFERENCES units(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE bank_versions (
    id TEXT PRIMARY KEY NOT NULL,
    bank_id TEXT NOT NULL REFERENCES banks(id),
    number INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    description TEXT NOT NULL,
    topics TEXT NOT NULL,
    question_count INTEGER NOT NULL,
    source_name TEXT NOT NULL,
    format TEXT NOT NULL,
    created_by TEXT REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (bank_id, number),
    UNIQUE (bank_id, content_hash)
);

CREATE TABLE questions (
    id TEXT PRIMARY KEY NOT NULL,
    version_id TEXT NOT NULL REFERENCES bank_versions(id),
    position INTEGER NOT NULL,
    qid TEXT NOT NULL,
    topic TEXT NOT NULL,
    difficulty TEXT NOT NULL,
    points INTEGER NOT NULL,
    kind TEXT NOT NULL,
    stem TEXT NOT NULL,
    options TEXT NOT NULL,
    correct TEXT NOT NULL,
    explanation TEXT NOT NULL,
    source TEXT NOT NULL,
    search_text TEXT NOT NULL,
    UNIQUE (version_id, qid)
);
CREATE INDEX questions_version_position_idx ON questions(version_id, position);
CREATE INDEX questions_version_topic_idx ON questions(version_id, topic, difficulty);

-- A checked upload waiting for the organizer to confirm it (preview step).
CREATE TABLE bank_uploads (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    slug TEXT,
    title TEXT,
    content BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
