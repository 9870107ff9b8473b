DROP INDEX otp_codes_contest_created_idx;
DROP INDEX attempts_round_number_key;
DROP TABLE auth_failures;
DROP TABLE sessions;
