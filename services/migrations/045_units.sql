-- The unit a case belongs to (domain/units.py): null for the tenant's root. Cases filed
-- before units existed are all the root's, so existing rows need no rebuild. A reader held
-- to some units lists, counts and finds in the inbox only the cases of those units: the
-- index serves the list in its order within those units, and the inbox's join on the case.
ALTER TABLE case_list ADD COLUMN unit_id text;
CREATE INDEX case_list_unit ON case_list (tenant_id, unit_id, received_at DESC, case_id DESC);
