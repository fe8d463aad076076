-- The bus: tenants' webhooks and their delivery log; the deadline watcher's due list.

-- A tenant's endpoint for one role's notifications. The secret signs each delivery (HMAC), so
-- it is kept as given out; only the tenant's own admin key reads it, once, at creation.
CREATE TABLE webhooks (
    tenant_id  uuid        NOT NULL,
    webhook_id uuid        NOT NULL,
    role       text        NOT NULL,
    url        text        NOT NULL,
    secret     text        NOT NULL,
    active     boolean     NOT NULL DEFAULT true,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, webhook_id)
);

-- Every attempt to deliver a message to a webhook, answered or not.
CREATE TABLE webhook_deliveries (
    tenant_id   uuid        NOT NULL,
    webhook_id  uuid        NOT NULL,
    message_id  text        NOT NULL,
    attempt     integer     NOT NULL,
    outcome     text        NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'gave_up')),
    http_status integer,
    error       text,
    duration_ms integer     NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, webhook_id, message_id, attempt)
);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (tenant_id, webhook_id, at DESC);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhooks', 'webhook_deliveries'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING '
            '(tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END $$;

-- The functions below run as the schema's owner; FORCE makes row-level security bind the owner
-- too, so let it (and only it) read across tenants. complaints_app stays bound by tenant.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhooks', 'deadlines'] LOOP
        EXECUTE format('CREATE POLICY owner_reads_all ON %I FOR SELECT TO %I USING (true)',
                       t, current_user);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON webhooks TO complaints_app;
GRANT SELECT, INSERT ON webhook_deliveries TO complaints_app;

-- The dispatcher serves every tenant's webhooks: the one cross-tenant read it needs, and no
-- more (SECURITY DEFINER passes row-level security for exactly this query).
CREATE FUNCTION bus_active_webhooks()
RETURNS TABLE (tenant_id uuid, webhook_id uuid, role text, url text, secret text,
               created_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT w.tenant_id, w.webhook_id, w.role, w.url, w.secret, w.created_at
      FROM webhooks w WHERE w.active ORDER BY w.created_at
$$;
REVOKE ALL ON FUNCTION bus_active_webhooks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bus_active_webhooks() TO complaints_app;

-- A tenant's shard for the workers that split tenants between them (0 .. shards - 1).
CREATE FUNCTION tenant_shard(p_tenant uuid, p_shards integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT (((hashtext(p_tenant::text)::bigint % p_shards) + p_shards) % p_shards)::integer
$$;

-- The watcher's question across tenants: which open deadlines are due, in the shards it holds.
CREATE INDEX deadlines_open_due ON deadlines (due_at) WHERE state = 'open';

CREATE FUNCTION due_deadlines(p_now timestamptz, p_shards integer, p_held integer[],
                              p_limit integer)
RETURNS TABLE (tenant_id uuid, case_id uuid, deadline_id text, due_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT d.tenant_id, d.case_id, d.deadline_id, d.due_at
      FROM deadlines d
     WHERE d.state = 'open' AND d.due_at < p_now
       AND tenant_shard(d.tenant_id, p_shards) = ANY(p_held)
     ORDER BY d.due_at
     LIMIT p_limit
$$;
REVOKE ALL ON FUNCTION due_deadlines(timestamptz, integer, integer[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION due_deadlines(timestamptz, integer, integer[], integer)
    TO complaints_app;
