-- The projection runner writes a round's tenants in one set of statements: it names them in
-- app.round_tenants (a uuid array, set per transaction), and the view tables admit exactly
-- those for that transaction. Readers still name one tenant in app.tenant_id; with neither
-- set, a query sees nothing and can write nothing.
DO $$
DECLARE
    t    text;
    rule text := '(tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid'
                 ' OR tenant_id = ANY (nullif(current_setting(''app.round_tenants'', true), '''')::uuid[]))';
BEGIN
    FOREACH t IN ARRAY ARRAY['case_list', 'case_roles', 'deadlines', 'case_timeline',
                             'escalations', 'penalties', 'satisfaction'] LOOP
        EXECUTE format('DROP POLICY tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING %s WITH CHECK %s', t, rule, rule);
    END LOOP;
END $$;
