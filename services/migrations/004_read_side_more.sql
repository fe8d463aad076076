-- More of the read side: satisfaction scores for the dashboard (S10) and the group a case
-- is linked to (B12). Existing tenants fill them with
-- `complaints projections rebuild --view stats` and `--view case_list`.

ALTER TABLE case_list ADD COLUMN group_id text;
CREATE INDEX case_list_group ON case_list (tenant_id, group_id, status)
    WHERE group_id IS NOT NULL;

-- One row a recorded score: at the follow-up visit, at closure, or any stage a policy names.
CREATE TABLE satisfaction (
    tenant_id uuid        NOT NULL,
    case_id   uuid        NOT NULL,
    seq       bigint      NOT NULL,
    stage     text        NOT NULL,
    score     integer     NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX satisfaction_stage ON satisfaction (tenant_id, stage);

ALTER TABLE satisfaction ENABLE ROW LEVEL SECURITY;
ALTER TABLE satisfaction FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON satisfaction
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON satisfaction TO complaints_app;
