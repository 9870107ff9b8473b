-- Answers become typed JSON: `{"choices":["A","C"]}` for option keys,
-- `{"text":"…"}` for a typed answer (domain::kinds::Given). Every stored
-- answer was option letters joined by commas ('' for nothing chosen); it is
-- rewritten in place, in exactly the form the program writes.
ALTER TABLE answers RENAME COLUMN choices TO given;
UPDATE answers SET given = CASE
    WHEN given = '' THEN '{"choices":[]}'
    ELSE '{"choices":["' || replace(given, ',', '","') || '"]}'
END;
