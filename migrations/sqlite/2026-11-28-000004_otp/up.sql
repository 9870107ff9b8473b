-- Identity check per contest (birth date, or an SMS one-time code) and the codes sent.
ALTER TABLE contests ADD COLUMN identity_check TEXT NOT NULL DEFAULT 'birth_date';

CREATE TABLE otp_codes (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id),
    phone TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    used BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX otp_codes_phone_idx ON otp_codes(contest_id, phone, created_at);
