DROP TABLE otp_codes;
ALTER TABLE contests DROP COLUMN identity_check;
