-- A webhook may serve one unit of the tenant (issue 14): it is sent only the copies of cases
-- in that unit or below it. Only the unit is kept: the dispatcher reads which units are below
-- it from the tenant when it delivers, so a unit moved or added under it counts at once.
-- NULL: the whole tenant, as every webhook before this migration.
ALTER TABLE webhooks ADD COLUMN unit_id text;

DROP FUNCTION bus_active_webhooks();
CREATE FUNCTION bus_active_webhooks()
RETURNS TABLE (tenant_id uuid, webhook_id uuid, role text, url text, secret text,
               created_at timestamptz, unit_id text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT w.tenant_id, w.webhook_id, w.role, w.url, w.secret, w.created_at, w.unit_id
      FROM webhooks w WHERE w.active ORDER BY w.created_at
$$;
REVOKE ALL ON FUNCTION bus_active_webhooks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bus_active_webhooks() TO complaints_app;
