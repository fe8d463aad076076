#!/bin/sh
# First start of the PostgreSQL container: the owner (runs migrations), the API's role (one
# tenant at a time) and the workers' role (every tenant's ledger). Grants and row-level
# security come with the migrations (services/migrations/*.sql), which `complaints migrate`
# applies as the owner.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$COMPLAINTS_OWNER_PASSWORD" -v app_password="$COMPLAINTS_APP_DB_PASSWORD" \
    -v worker_password="$COMPLAINTS_WORKER_DB_PASSWORD" \
    -f /etc/complaints/init.sql
