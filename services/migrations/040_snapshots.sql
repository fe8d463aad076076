-- Snapshots of long aggregates (services/store/snapshots.py): a cache beside the ledger,
-- never in it. A row is the aggregate's state at one version, sealed whole with the tenant's
-- data key (AES-256-GCM; the associated data names tenant, aggregate, version, class, shape
-- and event_hash, so a row opens nowhere else) and bound to the chain hash of the event at
-- that version. Losing or altering a row changes nothing but speed: loading then replays
-- the events. Unlike the ledger the application may delete rows (it drops unusable ones and
-- keeps a few per aggregate), and nothing here is hashed into the chain.
--
-- No row-level security, as for the events table: every query names the tenant, and a row
-- read for another tenant would not open (its key and associated data are another's).
CREATE TABLE snapshots (
    tenant_id          uuid        NOT NULL,
    originator_id      uuid        NOT NULL,
    shape              text        NOT NULL,  -- fingerprint of the code that built the state
    originator_version bigint      NOT NULL,
    topic              text        NOT NULL,  -- the aggregate's class
    key_version        integer     NOT NULL,  -- which of the tenant's data keys sealed it
    event_hash         bytea       NOT NULL,  -- events.hash of the row at originator_version
    sealed             bytea       NOT NULL,  -- nonce (12 bytes) || ciphertext and tag
    taken_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, originator_id, shape, originator_version)
);

GRANT SELECT, INSERT, DELETE ON snapshots TO complaints_app;
