-- Browser sessions (services/handlers/sessions.py): an API key signed in once from the
-- console, then named by an HttpOnly cookie. Only the SHA-256 of the cookie's secret is kept,
-- so the table holds nothing that signs anyone in. A session acts as its key: the key's
-- roles are looked up on each use, so revoking the key ends the session.
CREATE TABLE sessions (
    tenant_id       uuid        NOT NULL,
    token_sha256    bytea       NOT NULL,
    key_id          text        NOT NULL,
    created_at      timestamptz NOT NULL,
    idle_expires_at timestamptz NOT NULL,  -- moved on by each use, never past expires_at
    expires_at      timestamptz NOT NULL,  -- the absolute end, fixed at sign-in
    PRIMARY KEY (tenant_id, token_sha256)
);

-- One tenant per transaction for the API's role, as on every tenant table (migration 041).
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY one_tenant ON sessions TO complaints_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO complaints_app;

-- Each authenticated request's one round trip: the live session for the token, its idle
-- expiry moved on. Runs as the caller, so the policy above binds it. p_now is the service's
-- clock, not the database's, so that both ends agree on when a session ends.
CREATE FUNCTION session_use(p_tenant uuid, p_token_sha256 bytea, p_now timestamptz,
                            p_idle interval)
RETURNS TABLE (used_key_id text, used_idle_expires_at timestamptz, used_expires_at timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY
    UPDATE sessions s
       SET idle_expires_at = least(p_now + p_idle, s.expires_at)
     WHERE s.tenant_id = p_tenant AND s.token_sha256 = p_token_sha256
       AND s.idle_expires_at > p_now AND s.expires_at > p_now
    RETURNING s.key_id, s.idle_expires_at, s.expires_at;
END $$;
