-- How long each deadline was paused (C3: time the policy stops counting), one row per resume,
-- for the reports' SLA (projections/reports.py). The deadlines view writes it; a rebuild
-- writes it again from the DeadlineResumed events.
CREATE TABLE deadline_pauses (
    tenant_id       uuid             NOT NULL,
    case_id         uuid             NOT NULL,
    deadline_id     text             NOT NULL,
    seq             bigint           NOT NULL,
    paused_seconds  double precision NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX deadline_pauses_deadline ON deadline_pauses (tenant_id, case_id, deadline_id);

ALTER TABLE deadline_pauses ENABLE ROW LEVEL SECURITY;
ALTER TABLE deadline_pauses FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON deadline_pauses TO complaints_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY round_tenants ON deadline_pauses TO complaints_worker
    USING (tenant_id = ANY (nullif(current_setting('app.round_tenants', true), '')::uuid[]))
    WITH CHECK (tenant_id = ANY (nullif(current_setting('app.round_tenants', true), '')::uuid[]));
GRANT SELECT, INSERT, UPDATE, DELETE ON deadline_pauses TO complaints_app;
