-- A complainant who has only their tracking number asks for a one-time code by e-mail
-- (services/handlers/complainant_access.py). Only a salted SHA-256 of the code is kept, with
-- its expiry and the tries it has left; one live code per case's number (a new one replaces
-- it). The right code gives a short-lived access token that works like the case's link:
-- only its SHA-256 is kept, with the case it opens and when it ends.
CREATE TABLE complainant_codes (
    tenant_id   uuid        NOT NULL,
    tracking    text        NOT NULL,
    salt        bytea       NOT NULL,
    code_sha256 bytea       NOT NULL,
    expires_at  timestamptz NOT NULL,
    tries_left  integer     NOT NULL,
    PRIMARY KEY (tenant_id, tracking)
);

CREATE TABLE complainant_tokens (
    tenant_id    uuid        NOT NULL,
    token_sha256 text        NOT NULL,
    case_id      uuid        NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, token_sha256)
);

-- One tenant per transaction for the API's role, as on every tenant table (migration 041).
ALTER TABLE complainant_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE complainant_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY one_tenant ON complainant_codes TO complaints_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON complainant_codes TO complaints_app;

ALTER TABLE complainant_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE complainant_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY one_tenant ON complainant_tokens TO complaints_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON complainant_tokens TO complaints_app;
