-- Row-level security on the ledger's tables too, and two database roles:
--   complaints_app     the API: every row it reads or writes is the tenant named in the
--                      transaction's app.tenant_id; it cannot reach across tenants.
--   complaints_worker  the workers that follow every tenant's ledger (projection runner,
--                      relay, checkpoint signer): a member of complaints_app, plus the
--                      cross-tenant reads they need. Only its policies on the view tables
--                      honour app.round_tenants, so the API's role cannot widen a
--                      transaction to many tenants by setting it.
-- The ledger's functions (ledger_chain, due_deadlines ...) run as the owner, which row-level
-- security does not bind on these tables (ENABLE without FORCE), as before.
-- deploy/postgres/init.sql creates both roles (and the membership) with their passwords;
-- elsewhere (development, tests) the owner may create them here.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'complaints_worker') THEN
        CREATE ROLE complaints_worker LOGIN;
    END IF;
    IF NOT pg_has_role('complaints_worker', 'complaints_app', 'MEMBER') THEN
        GRANT complaints_app TO complaints_worker;
    END IF;
END $$;

CREATE FUNCTION app_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

-- The retry answers name their tenant; rows kept before this migration cannot say which
-- it was, so they stay readable by their scope (a uuid of tenant and key) until they expire.
ALTER TABLE idempotency_keys ADD COLUMN tenant_id uuid;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['events', 'ledger_heads', 'checkpoints', 'checkpoint_refusals',
                             'projection_tracking', 'projection_quarantine', 'snapshots'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY one_tenant ON %I TO complaints_app'
                       ' USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('CREATE POLICY every_tenant ON %I TO complaints_worker'
                       ' USING (true) WITH CHECK (true)', t);
    END LOOP;
END $$;

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY one_tenant ON idempotency_keys TO complaints_app
    USING (tenant_id = app_tenant() OR tenant_id IS NULL)
    WITH CHECK (tenant_id = app_tenant());

-- The view tables: the API's role sees the one tenant of app.tenant_id; the worker's role
-- also the round's tenants (migration 030), which it alone may name.
DO $$
DECLARE
    t    text;
    rule text := '(tenant_id = ANY (nullif(current_setting(''app.round_tenants'', true), '''')::uuid[]))';
BEGIN
    FOREACH t IN ARRAY ARRAY['case_list', 'case_roles', 'deadlines', 'case_timeline',
                             'escalations', 'penalties', 'satisfaction'] LOOP
        EXECUTE format('DROP POLICY tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO complaints_app'
                       ' USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('CREATE POLICY round_tenants ON %I TO complaints_worker USING %s WITH CHECK %s',
                       t, rule, rule);
    END LOOP;
END $$;

-- The API's statements on the ledger, each one round trip that first names its tenant for
-- row-level security (set for the statement's transaction, or the unit of work's). They run
-- as the caller, so the policies above bind them.
CREATE FUNCTION ledger_append(p_tenant uuid, p_originators uuid[], p_versions int8[],
                              p_topics text[], p_states bytea[])
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY
    WITH appended AS (
        INSERT INTO events (tenant_id, seq, originator_id, originator_version, topic, state,
                            recorded_at, prev_hash, hash)
        SELECT p_tenant, 0, u.originator_id, u.originator_version, u.topic, u.state, now(), '', ''
          FROM unnest(p_originators, p_versions, p_topics, p_states)
               WITH ORDINALITY AS u(originator_id, originator_version, topic, state, n)
         ORDER BY u.n
        RETURNING events.seq
    )
    SELECT a.seq FROM appended a;
END $$;

-- The append and the answer a retry with the key gets, whose "seq" is the append's last.
CREATE FUNCTION ledger_append_answered(p_tenant uuid, p_originators uuid[], p_versions int8[],
                                       p_topics text[], p_states bytea[], p_scope uuid,
                                       p_key text, p_request_sha256 text, p_status integer,
                                       p_body bytea)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY
    WITH appended AS (
        INSERT INTO events (tenant_id, seq, originator_id, originator_version, topic, state,
                            recorded_at, prev_hash, hash)
        SELECT p_tenant, 0, u.originator_id, u.originator_version, u.topic, u.state, now(), '', ''
          FROM unnest(p_originators, p_versions, p_topics, p_states)
               WITH ORDINALITY AS u(originator_id, originator_version, topic, state, n)
         ORDER BY u.n
        RETURNING events.seq
    ),
    remembered AS (
        INSERT INTO idempotency_keys (tenant_id, scope_id, key, request_sha256, status, body)
        SELECT p_tenant, p_scope, p_key, p_request_sha256, p_status,
               convert_to(jsonb_set(convert_from(p_body, 'UTF8')::jsonb, '{seq}',
                                    to_jsonb((SELECT max(a.seq) FROM appended a)))::text, 'UTF8')
         WHERE p_key IS NOT NULL
    )
    SELECT a.seq FROM appended a;
END $$;

CREATE FUNCTION ledger_originator_events(p_tenant uuid, p_originator uuid, p_after bigint,
                                         p_as_of timestamptz)
RETURNS TABLE (seq bigint, originator_id uuid, originator_version bigint, topic text,
               state bytea, recorded_at timestamptz, hash bytea)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY
    SELECT e.seq, e.originator_id, e.originator_version, e.topic, e.state, e.recorded_at, e.hash
      FROM events e
     WHERE e.tenant_id = p_tenant AND e.originator_id = p_originator
       AND e.originator_version > p_after
       AND (p_as_of IS NULL OR e.recorded_at <= p_as_of)
     ORDER BY e.originator_version;
END $$;

-- The newest usable snapshot of an aggregate (part 0, if any) and its events from the
-- snapshot's version on (part 1): services/store/snapshots.py says when one is usable.
CREATE FUNCTION snapshot_load(p_tenant uuid, p_originator uuid, p_shape text,
                              p_as_of timestamptz)
RETURNS TABLE (part integer, originator_version bigint, seq bigint, topic text, state bytea,
               recorded_at timestamptz, hash bytea, key_version integer)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY
    WITH snap AS (
        SELECT s.originator_version, s.topic, s.key_version, s.event_hash, s.sealed
          FROM snapshots s
         WHERE s.tenant_id = p_tenant AND s.originator_id = p_originator AND s.shape = p_shape
           AND s.originator_version < COALESCE(
                 (SELECT min(e.originator_version) FROM events e
                   WHERE p_as_of IS NOT NULL AND e.tenant_id = p_tenant
                     AND e.originator_id = p_originator AND e.recorded_at > p_as_of),
                 9223372036854775807)
         ORDER BY s.originator_version DESC
         LIMIT 1
    )
    SELECT 0, n.originator_version, NULL::bigint, n.topic, n.sealed, NULL::timestamptz,
           n.event_hash, n.key_version
      FROM snap n
    UNION ALL
    SELECT 1, e.originator_version, e.seq, e.topic, e.state, e.recorded_at, e.hash, NULL
      FROM events e
     WHERE e.tenant_id = p_tenant AND e.originator_id = p_originator
       AND e.originator_version >= COALESCE((SELECT n.originator_version FROM snap n), 0)
       AND (p_as_of IS NULL OR e.recorded_at <= p_as_of)
     ORDER BY 1, 2;
END $$;

CREATE FUNCTION idempotency_recall(p_tenant uuid, p_scope uuid, p_key text)
RETURNS TABLE (request_sha256 text, status integer, body bytea)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY
    SELECT k.request_sha256, k.status, k.body FROM idempotency_keys k
     WHERE k.scope_id = p_scope AND k.key = p_key;
END $$;

-- An answer kept among its tenant's rows: after an append in the same unit of work, or for
-- the platform's own requests (their tenant is the platform's scope).
CREATE FUNCTION idempotency_remember(p_tenant uuid, p_scope uuid, p_key text,
                                     p_request_sha256 text, p_status integer, p_body bytea)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    INSERT INTO idempotency_keys (tenant_id, scope_id, key, request_sha256, status, body)
    VALUES (p_tenant, p_scope, p_key, p_request_sha256, p_status, p_body);
END $$;

-- Reads that name one tenant and answer only about it run as the owner.
ALTER FUNCTION ledger_verify(uuid) SECURITY DEFINER SET search_path = pg_catalog, public;

CREATE FUNCTION ledger_head(p_tenant uuid) RETURNS TABLE (seq bigint, hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT h.seq, h.hash FROM ledger_heads h WHERE h.tenant_id = p_tenant
$$;

CREATE FUNCTION view_position(p_view text, p_tenant uuid) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT t.seq FROM projection_tracking t WHERE t.view = p_view AND t.tenant_id = p_tenant
$$;

-- What operators see across tenants in /ready and /metrics: positions and counts, no content.
CREATE FUNCTION projection_lag(p_views text[])
RETURNS TABLE (view text, tenant_id uuid, behind bigint, updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT v.view, h.tenant_id, h.seq - COALESCE(t.seq, 0), t.updated_at
      FROM ledger_heads h CROSS JOIN unnest(p_views) AS v(view)
      LEFT JOIN projection_tracking t ON t.tenant_id = h.tenant_id AND t.view = v.view
$$;

CREATE FUNCTION projection_set_aside()
RETURNS TABLE (view text, tenant_id uuid, events bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT q.view, q.tenant_id, count(*) FROM projection_quarantine q GROUP BY 1, 2
$$;

CREATE FUNCTION checkpoint_refused()
RETURNS TABLE (tenant_id uuid, seq bigint, reason text, noticed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT r.tenant_id, r.seq, r.reason, r.noticed_at FROM checkpoint_refusals r
     ORDER BY r.tenant_id
$$;

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['ledger_verify(uuid)', 'ledger_head(uuid)',
                             'view_position(text, uuid)', 'projection_lag(text[])',
                             'projection_set_aside()', 'checkpoint_refused()'] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO complaints_app', f);
    END LOOP;
END $$;
