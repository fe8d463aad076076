-- The trace (W3C traceparent) a request appended its events in, for the relay to carry on
-- to the messages and webhooks those events cause (services/tracing.py). Written only while
-- tracing is on. Kept beside the ledger, not in it: it is operational context, outside the
-- hash chain, and losing a row loses a link between traces, never a fact.
CREATE TABLE event_traces (
    tenant_id   uuid   NOT NULL,
    seq         bigint NOT NULL,
    traceparent text   NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- One tenant per transaction for the API's role, every tenant for the workers' (migration 041).
ALTER TABLE event_traces ENABLE ROW LEVEL SECURITY;
CREATE POLICY one_tenant ON event_traces TO complaints_app
    USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY every_tenant ON event_traces TO complaints_worker USING (true) WITH CHECK (true);

GRANT SELECT, INSERT ON event_traces TO complaints_app;

-- One round trip after an append: the trace of its seqs, under its tenant's name.
CREATE FUNCTION ledger_trace(p_tenant uuid, p_seqs int8[], p_traceparent text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    INSERT INTO event_traces (tenant_id, seq, traceparent)
    SELECT p_tenant, s, p_traceparent FROM unnest(p_seqs) AS s
    ON CONFLICT DO NOTHING;
END $$;
