-- Banks as organizers keep them: a staged upload remembers the choices
-- made on its preview (which column holds what, whether to skip question
-- types that are not supported), and a bank remembers its column choice
-- for the next upload of a sheet with the same unknown headers.
ALTER TABLE bank_uploads ADD COLUMN column_map TEXT;
ALTER TABLE bank_uploads ADD COLUMN skip_unsupported BOOLEAN NOT NULL DEFAULT false;
CREATE TABLE bank_column_maps (
    slug TEXT PRIMARY KEY NOT NULL,
    column_map TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
