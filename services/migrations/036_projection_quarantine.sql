-- An event a view cannot apply (no code decodes it, or the database refuses its row) is set
-- aside here, so the tenant's later events still reach its views; /metrics and /ready count
-- what is set aside, and a rebuild tries it again. The error is its kind (class, SQLSTATE),
-- never its message: a message can quote the personal data of the row.
CREATE TABLE projection_quarantine (
    view           text        NOT NULL,
    tenant_id      uuid        NOT NULL,
    seq            bigint      NOT NULL,
    error          text        NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (view, tenant_id, seq)
);
GRANT SELECT, INSERT, DELETE ON projection_quarantine TO complaints_app;
