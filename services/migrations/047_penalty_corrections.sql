-- The payroll sheet (projections/reports.py): a penalty's reason, and a reversal as a row of
-- its own that names which penalty of its case it takes back (the nth, from 1). Rows written
-- before this read with no reason; no reversal existed before it.
ALTER TABLE penalties ADD COLUMN reason text;
ALTER TABLE penalties ADD COLUMN reverses integer;
CREATE INDEX penalties_at ON penalties (tenant_id, at);
