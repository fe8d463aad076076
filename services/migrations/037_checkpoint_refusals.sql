-- A tenant whose chain the signer found broken since its last checkpoint: the signer refuses
-- to vouch for it, and says so here (one row a tenant, gone once a signature succeeds again),
-- so /ready and /metrics show it to operators instead of a log line every minute.
CREATE TABLE checkpoint_refusals (
    tenant_id  uuid        PRIMARY KEY,
    seq        bigint      NOT NULL,
    reason     text        NOT NULL,
    noticed_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON checkpoint_refusals TO complaints_app;
