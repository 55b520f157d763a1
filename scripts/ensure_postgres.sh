#!/usr/bin/env bash
# Make sure a PostgreSQL for the tests is up and has the role and database
# `make test` uses. With DATABASE_URL set, that server is used as it is.
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then
  echo "Using DATABASE_URL from the environment."
  exit 0
fi

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "PostgreSQL is not installed; installing it from Debian's packages..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

if ! ready; then
  echo "Starting the local PostgreSQL..."
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do ready && break; sleep 1; done
  ready || { echo "PostgreSQL did not start on 127.0.0.1:5432." >&2; exit 1; }
fi

# As the postgres superuser over the local socket (peer or trust auth both work for root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "psql -v ON_ERROR_STOP=1 -qAt $*"; else psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; fi
}
as_postgres "-c \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gymos') THEN CREATE ROLE gymos LOGIN PASSWORD 'gymos' CREATEDB; END IF; END\\\$\\\$;\""
if [ "$(as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname = 'gymos'\"")" != "1" ]; then
  as_postgres "-c \"CREATE DATABASE gymos OWNER gymos\""
fi
echo "PostgreSQL ready: postgres://gymos:***@127.0.0.1:5432/gymos (tests use test_gymos)."
