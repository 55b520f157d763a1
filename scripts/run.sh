#!/usr/bin/env bash
# Start the web server and the django-q2 worker together; Ctrl-C stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping GymOS..."
  kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup INT TERM EXIT

$PY manage.py qcluster & pids+=($!)
$PY manage.py runserver --noreload "$HOST:$PORT" & pids+=($!)

sleep 2
cat <<MSG

  GymOS is running at  http://$HOST:$PORT/
  Admin:               http://$HOST:$PORT/admin/
  Emails land in:      var/mail/*.eml
  Demo logins are listed above (seed_demo). Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
