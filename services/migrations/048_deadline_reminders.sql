-- Warnings before a deadline (domain/reminders.py): the moment of the next one still to send,
-- as the deadline's events recorded it, so the watcher finds the due ones as it finds the
-- missed ones. Deadlines started before reminders existed have none.
ALTER TABLE deadlines ADD COLUMN remind_at timestamptz;
CREATE INDEX deadlines_remind ON deadlines (remind_at) WHERE state = 'open' AND remind_at IS NOT NULL;

CREATE FUNCTION due_reminders(p_now timestamptz, p_shards integer, p_held integer[],
                              p_limit integer)
RETURNS TABLE (tenant_id uuid, case_id uuid, deadline_id text, remind_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT d.tenant_id, d.case_id, d.deadline_id, d.remind_at
      FROM deadlines d
     WHERE d.state = 'open' AND d.remind_at <= p_now AND d.due_at >= p_now
       AND tenant_shard(d.tenant_id, p_shards) = ANY(p_held)
     ORDER BY d.remind_at
     LIMIT p_limit
$$;
REVOKE ALL ON FUNCTION due_reminders(timestamptz, integer, integer[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION due_reminders(timestamptz, integer, integer[], integer)
    TO complaints_app;
