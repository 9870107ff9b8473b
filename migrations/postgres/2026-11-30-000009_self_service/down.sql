DROP TABLE unit_logos;
ALTER TABLE contests DROP COLUMN rules;
ALTER TABLE accounts DROP COLUMN must_change_password;
