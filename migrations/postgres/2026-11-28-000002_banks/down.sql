DROP TABLE bank_uploads;
DROP TABLE questions;
DROP TABLE bank_versions;
DROP TABLE banks;
