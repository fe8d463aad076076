-- The read side: view tables keyed by tenant, their tracking rows, and the wake-up signal.

-- Each committed append tells listeners which tenant moved (statement level: one NOTIFY per
-- append, whatever the batch size). NOTIFY is delivered at commit, never for a rollback.
CREATE FUNCTION ledger_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved uuid;
BEGIN
    FOR moved IN SELECT DISTINCT tenant_id FROM inserted LOOP
        PERFORM pg_notify('ledger', moved::text);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER events_notify AFTER INSERT ON events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify();

-- How far each view (or relay) has applied each tenant's ledger.
CREATE TABLE projection_tracking (
    view       text        NOT NULL,
    tenant_id  uuid        NOT NULL,
    seq        bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (view, tenant_id)
);

CREATE TABLE case_list (
    tenant_id       uuid        NOT NULL,
    case_id         uuid        NOT NULL,
    summary         text        NOT NULL,
    channel         text        NOT NULL,
    policy          text        NOT NULL,
    status          text        NOT NULL,
    category        text,
    level           integer     NOT NULL DEFAULT 0,
    rung            text,
    owner           text        NOT NULL,
    handlers        jsonb       NOT NULL DEFAULT '{}',
    received_at     timestamptz NOT NULL,
    filed_at        timestamptz NOT NULL,
    acknowledged_at timestamptz,
    resolved_at     timestamptz,
    closed_at       timestamptz,
    updated_at      timestamptz NOT NULL,
    version         bigint      NOT NULL,
    last_seq        bigint      NOT NULL,
    PRIMARY KEY (tenant_id, case_id)
);
CREATE INDEX case_list_received ON case_list (tenant_id, received_at DESC, case_id DESC);
CREATE INDEX case_list_status ON case_list (tenant_id, status, received_at DESC, case_id DESC);
CREATE INDEX case_list_category ON case_list (tenant_id, category, level);
CREATE INDEX case_list_owner ON case_list (tenant_id, owner);

-- Which roles a case waits on, and why (filled from the policy's recorded notifications).
CREATE TABLE case_roles (
    tenant_id uuid        NOT NULL,
    case_id   uuid        NOT NULL,
    role      text        NOT NULL,
    reason    text        NOT NULL,
    rule      text        NOT NULL,
    since     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, case_id, role)
);
CREATE INDEX case_roles_role ON case_roles (tenant_id, role, since);

CREATE TABLE deadlines (
    tenant_id   uuid        NOT NULL,
    case_id     uuid        NOT NULL,
    deadline_id text        NOT NULL,
    kind        text        NOT NULL,
    rule        text        NOT NULL,
    roles       text[]      NOT NULL,
    started_at  timestamptz NOT NULL,
    due_at      timestamptz NOT NULL,
    state       text        NOT NULL,
    ended_at    timestamptz,
    PRIMARY KEY (tenant_id, case_id, deadline_id)
);
CREATE INDEX deadlines_due ON deadlines (tenant_id, state, due_at);

CREATE TABLE case_timeline (
    tenant_id uuid        NOT NULL,
    case_id   uuid        NOT NULL,
    seq       bigint      NOT NULL,
    version   bigint      NOT NULL,
    event     text        NOT NULL,
    actor     text,
    at        timestamptz NOT NULL,
    text_en   text        NOT NULL,
    text_zh   text        NOT NULL,
    PRIMARY KEY (tenant_id, case_id, seq)
);

CREATE TABLE escalations (
    tenant_id uuid        NOT NULL,
    case_id   uuid        NOT NULL,
    seq       bigint      NOT NULL,
    to_level  integer     NOT NULL,
    rung      text        NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE penalties (
    tenant_id   uuid        NOT NULL,
    case_id     uuid        NOT NULL,
    seq         bigint      NOT NULL,
    target_role text        NOT NULL,
    person      text,
    amount_fen  bigint      NOT NULL,
    performance text,
    rule        text        NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- Row-level security: a query sees only the rows of the tenant named by the transaction's
-- app.tenant_id setting; SQL that forgets to set it sees nothing at all.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['case_list', 'case_roles', 'deadlines', 'case_timeline',
                             'escalations', 'penalties'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING '
            '(tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO complaints_app', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON projection_tracking TO complaints_app;
