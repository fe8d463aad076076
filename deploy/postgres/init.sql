-- Run once by deploy/postgres/init.sh with -v owner_password=... -v app_password=...
CREATE ROLE complaints_owner LOGIN PASSWORD :'owner_password';
-- The service connects as complaints_app. Migration 002 grants it SELECT and INSERT on the
-- ledger and nothing else there; migration 003 gives it the read tables under row-level
-- security keyed by the per-transaction setting app.tenant_id.
CREATE ROLE complaints_app LOGIN PASSWORD :'app_password';
-- The workers (projections, relay, checkpoint signer) connect as complaints_worker: a member
-- of complaints_app that migration 041 also lets read across tenants. API replicas never get
-- its password.
CREATE ROLE complaints_worker LOGIN PASSWORD :'worker_password';
GRANT complaints_app TO complaints_worker;
CREATE DATABASE complaints OWNER complaints_owner;
\connect complaints
ALTER SCHEMA public OWNER TO complaints_owner;
REVOKE ALL ON DATABASE complaints FROM PUBLIC;
GRANT CONNECT ON DATABASE complaints TO complaints_app, complaints_worker;
GRANT USAGE ON SCHEMA public TO complaints_app, complaints_worker;
