DROP TABLE accounts;
DROP TABLE unit_member_counts;
DROP TABLE units;
DROP TABLE app_settings;
