-- A filing's tracking number in one round trip, without holding the tenant's counter row
-- through a disk flush (docs/performance.md, row 1).
--
-- Before, each filing drew its number in a transaction of its own that kept the counter's row
-- lock until its commit was on disk: every filing of a tenant queued behind the previous
-- one's flush, and a filing paid four round trips for it. The draw now commits without
-- waiting for the flush (synchronous_commit off for its own transaction). That loses
-- nothing: a number counts once the filing that carries it is appended, and that append's
-- commit flushes the write-ahead log up to its own record, which comes after the draw's. A
-- crash can only forget numbers no committed case carries (gaps are allowed; repeats never).
--
-- With an Idempotency-Key it first looks for the answer kept for that key: a retry gets the
-- first answer and no second number (the recall and the draw in the same round trip).
CREATE FUNCTION filing_number(p_tenant uuid, p_year integer, p_scope uuid, p_key text)
RETURNS TABLE (number bigint, request_sha256 text, status integer, body bytea)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    IF p_key IS NOT NULL THEN
        RETURN QUERY
        SELECT NULL::bigint, k.request_sha256, k.status, k.body FROM idempotency_keys k
         WHERE k.scope_id = p_scope AND k.key = p_key;
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);
    RETURN QUERY
    INSERT INTO tracking_counters AS c (tenant_id, year, last) VALUES (p_tenant, p_year, 1)
    ON CONFLICT (tenant_id, year) DO UPDATE SET last = c.last + 1
    RETURNING c.last, NULL::text, NULL::integer, NULL::bytea;
END $$;
REVOKE ALL ON FUNCTION filing_number(uuid, integer, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION filing_number(uuid, integer, uuid, text) TO complaints_app;
