-- Back to option letters joined by commas. A typed answer has no letters:
-- it becomes '' (nothing chosen), as the previous release would read it.
UPDATE answers SET given = CASE
    WHEN given LIKE '{"choices":[%' THEN
        replace(replace(replace(given, '{"choices":[', ''), ']}', ''), '"', '')
    ELSE ''
END;
ALTER TABLE answers RENAME COLUMN given TO choices;
