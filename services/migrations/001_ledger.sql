-- The ledger: one append-only table for all tenants, a hash chain and a head row per tenant.

CREATE TABLE ledger_heads (
    tenant_id uuid PRIMARY KEY,
    seq       bigint NOT NULL,
    hash      bytea  NOT NULL
);

CREATE TABLE events (
    tenant_id          uuid        NOT NULL,
    seq                bigint      NOT NULL,
    originator_id      uuid        NOT NULL,
    originator_version bigint      NOT NULL,
    topic              text        NOT NULL,
    state              bytea       NOT NULL,
    recorded_at        timestamptz NOT NULL,
    prev_hash          bytea       NOT NULL,
    hash               bytea       NOT NULL,
    PRIMARY KEY (tenant_id, seq),
    UNIQUE (tenant_id, originator_id, originator_version)
);

-- The canonical bytes of a row, hashed into the chain. docs/audit.md documents this layout;
-- services/chain.py computes the same bytes without a database.
CREATE FUNCTION ledger_row_bytes(
    tenant_id uuid, seq bigint, originator_id uuid, originator_version bigint,
    topic text, state bytea, recorded_at timestamptz
) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT uuid_send(tenant_id) || int8send(seq)
        || uuid_send(originator_id) || int8send(originator_version)
        || int4send(octet_length(convert_to(topic, 'UTF8'))) || convert_to(topic, 'UTF8')
        || int4send(octet_length(state)) || state
        || int8send((extract(epoch FROM recorded_at) * 1000000)::bigint)
$$;

-- Assigns seq, recorded_at and the hash under the tenant's head-row lock, whatever the
-- inserting client sent: one tenant's appends are serialised, other tenants run in parallel.
-- SECURITY DEFINER so the application role needs no write access to the head rows.
CREATE FUNCTION ledger_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    head_seq  bigint;
    head_hash bytea;
BEGIN
    SELECT h.seq, h.hash INTO head_seq, head_hash
      FROM ledger_heads h WHERE h.tenant_id = NEW.tenant_id FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO ledger_heads (tenant_id, seq, hash)
        VALUES (NEW.tenant_id, 0, decode(repeat('00', 32), 'hex'))
        ON CONFLICT (tenant_id) DO NOTHING;
        SELECT h.seq, h.hash INTO head_seq, head_hash
          FROM ledger_heads h WHERE h.tenant_id = NEW.tenant_id FOR UPDATE;
    END IF;
    NEW.seq := head_seq + 1;
    NEW.recorded_at := date_trunc('microseconds', clock_timestamp());
    NEW.prev_hash := head_hash;
    NEW.hash := sha256(head_hash || ledger_row_bytes(
        NEW.tenant_id, NEW.seq, NEW.originator_id, NEW.originator_version,
        NEW.topic, NEW.state, NEW.recorded_at));
    UPDATE ledger_heads SET seq = NEW.seq, hash = NEW.hash WHERE tenant_id = NEW.tenant_id;
    RETURN NEW;
END $$;

CREATE TRIGGER events_chain BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION ledger_chain();

CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

-- Walks a tenant's chain in seq order and names the first row that does not hold.
CREATE FUNCTION ledger_verify(p_tenant uuid)
RETURNS TABLE (ok boolean, head_seq bigint, bad_seq bigint, reason text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r         record;
    expected  bigint := 1;
    prev      bytea := decode(repeat('00', 32), 'hex');
    head      record;
BEGIN
    FOR r IN SELECT * FROM events e WHERE e.tenant_id = p_tenant ORDER BY e.seq LOOP
        IF r.seq <> expected THEN
            RETURN QUERY SELECT false, expected - 1, expected, 'row missing: seq gap before ' || r.seq;
            RETURN;
        END IF;
        IF r.prev_hash <> prev THEN
            RETURN QUERY SELECT false, expected - 1, r.seq, 'prev_hash does not match the row before';
            RETURN;
        END IF;
        IF r.hash <> sha256(prev || ledger_row_bytes(r.tenant_id, r.seq, r.originator_id,
                r.originator_version, r.topic, r.state, r.recorded_at)) THEN
            RETURN QUERY SELECT false, expected - 1, r.seq, 'hash does not match the row''s content';
            RETURN;
        END IF;
        prev := r.hash;
        expected := expected + 1;
    END LOOP;
    SELECT h.seq, h.hash INTO head FROM ledger_heads h WHERE h.tenant_id = p_tenant;
    IF FOUND AND (head.seq <> expected - 1 OR head.hash <> prev) THEN
        RETURN QUERY SELECT false, expected - 1, expected,
            'tail missing: head is at seq ' || head.seq;
        RETURN;
    END IF;
    RETURN QUERY SELECT true, expected - 1, NULL::bigint, NULL::text;
END $$;

-- A retried POST with the same Idempotency-Key gets the first answer.
CREATE TABLE idempotency_keys (
    scope_id       uuid        NOT NULL,
    key            text        NOT NULL,
    request_sha256 text        NOT NULL,
    status         integer     NOT NULL,
    body           bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope_id, key)
);
