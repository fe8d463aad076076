-- The application connects as complaints_app: it may read and append to the ledger, nothing
-- more. Migrations run as the owner. Roles are cluster-wide, so create it only once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'complaints_app') THEN
        CREATE ROLE complaints_app LOGIN;
    END IF;
END $$;

GRANT SELECT, INSERT ON events TO complaints_app;
GRANT SELECT ON ledger_heads TO complaints_app;
GRANT SELECT, INSERT ON idempotency_keys TO complaints_app;
