-- How a complainant finds their case (services/api/public): its tracking number
-- (HOSP-2026-000123, unique in the tenant) and the SHA-256 of its link's secret (the secret is
-- never stored). Cases filed before have neither. The number is drawn from a counter per
-- tenant and year: unique, gaps allowed (a filing refused after drawing leaves one).
ALTER TABLE case_list ADD COLUMN tracking text;
ALTER TABLE case_list ADD COLUMN access_sha256 text;
CREATE UNIQUE INDEX case_list_tracking ON case_list (tenant_id, tracking) WHERE tracking IS NOT NULL;
CREATE UNIQUE INDEX case_list_access ON case_list (tenant_id, access_sha256)
    WHERE access_sha256 IS NOT NULL;

CREATE TABLE tracking_counters (
    tenant_id uuid    NOT NULL,
    year      integer NOT NULL,
    last      bigint  NOT NULL,
    PRIMARY KEY (tenant_id, year)
);
ALTER TABLE tracking_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE tracking_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY one_tenant ON tracking_counters TO complaints_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE ON tracking_counters TO complaints_app;
