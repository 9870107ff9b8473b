-- Answer keys stay with their owners: a bank owned by a unit is usable by
-- the units below it only once its owner shares it (and then without its
-- answers, explanations or export). Banks owned by a unit start unshared.
-- A bank with no unit belongs to the admins; every organizer could read
-- those until now, so the ones already stored stay usable by every unit
-- (shared, their keys now hidden); new ones start unshared like the rest.
ALTER TABLE banks ADD COLUMN shared BOOLEAN NOT NULL DEFAULT false;
UPDATE banks SET shared = true WHERE unit_id IS NULL;
