-- Signed checkpoints: the service's Ed25519 signature over each tenant's ledger head
-- (seq, hash) from time to time. Auditors keep copies; these rows are the service's own
-- record and, like the ledger, are never changed.
CREATE TABLE checkpoints (
    tenant_id uuid        NOT NULL,
    seq       bigint      NOT NULL,
    hash      bytea       NOT NULL,
    signed_at timestamptz NOT NULL,
    key_id    text        NOT NULL,
    signature bytea       NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

GRANT SELECT, INSERT ON checkpoints TO complaints_app;
