-- Messages to complainants (services/feedback, services/workers/feedback.py).
--
-- feedback_templates: a tenant's own templates per step and language. Every version is kept,
-- with who set it and when; the newest is used (PUT /v1/tenant/templates/{step}/{lang}).
CREATE TABLE feedback_templates (
    tenant_id uuid        NOT NULL,
    step      text        NOT NULL,
    lang      text        NOT NULL,
    version   bigserial,
    subject   text        NOT NULL,
    body      text        NOT NULL,
    set_by    text        NOT NULL,
    set_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, step, lang, version)
);

-- feedback_pending: the deliveries whose last attempt failed and that are tried again at
-- retry_at, written in the same transaction as the FeedbackDelivery event that says so. The
-- case (Complaint.deliveries) is the record; this is the sender's index of what is due.
CREATE TABLE feedback_pending (
    tenant_id  uuid        NOT NULL,
    case_id    uuid        NOT NULL,
    delivery   text        NOT NULL,  -- "<seq>:<step>": the ledger seq it answers, its step
    source_seq bigint      NOT NULL,
    step       text        NOT NULL,
    first_at   timestamptz NOT NULL,  -- the first attempt: retries stop 3 days after it
    retry_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, case_id, delivery)
);
CREATE INDEX feedback_pending_due ON feedback_pending (retry_at);

-- feedback_gateways: a tenant's SMS/WeChat gateway, a webhook it signs. The signing secret is
-- never stored: it is derived from the server's gateway key and this row's nonce, and only its
-- SHA-256 is kept, to show which secret is in force.
CREATE TABLE feedback_gateways (
    tenant_id     uuid PRIMARY KEY,
    url           text        NOT NULL,
    nonce         text        NOT NULL,
    secret_sha256 text        NOT NULL,
    set_by        text        NOT NULL,
    set_at        timestamptz NOT NULL
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['feedback_templates', 'feedback_pending', 'feedback_gateways'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY one_tenant ON %I TO complaints_app'
                       ' USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END $$;
-- the sender's sweep finds the due deliveries of every tenant
CREATE POLICY every_tenant ON feedback_pending TO complaints_worker USING (true) WITH CHECK (true);

GRANT SELECT, INSERT ON feedback_templates TO complaints_app;
GRANT USAGE ON SEQUENCE feedback_templates_version_seq TO complaints_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON feedback_pending TO complaints_app;
GRANT SELECT, INSERT, UPDATE ON feedback_gateways TO complaints_app;
