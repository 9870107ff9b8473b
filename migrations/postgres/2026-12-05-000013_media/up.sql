-- Pictures (of questions first), stored as this program re-encoded them and
-- named by the SHA-256 of those bytes: the same picture stored twice is one
-- row, and its address (/media/{sha256}.{ext}) never changes its content.
CREATE TABLE media (
    sha256 TEXT PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
