#!/bin/sh
# First start of the PostgreSQL container: the owner (runs migrations) and the application
# role (reads and appends, nothing more). Grants and row-level security come with the
# migrations (services/migrations/*.sql), which `complaints migrate` applies as the owner.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$COMPLAINTS_OWNER_PASSWORD" -v app_password="$COMPLAINTS_APP_DB_PASSWORD" \
    -f /etc/complaints/init.sql
