DROP TABLE bank_column_maps;
ALTER TABLE bank_uploads DROP COLUMN skip_unsupported;
ALTER TABLE bank_uploads DROP COLUMN column_map;
