#!/usr/bin/env bash
# Start the web server, the django-q2 worker and the bKash simulator together; Ctrl-C stops all.
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
# The offline bKash (BKASH_BASE_URL's default); BKASH_SIMULATOR=0 when using the real sandbox.
if [ "${BKASH_SIMULATOR:-1}" != 0 ]; then
  $PY manage.py bkash_simulator & pids+=($!)
fi

sleep 2
cat <<MSG

  GymOS is running at  http://$HOST:$PORT/
  Admin:               http://$HOST:$PORT/admin/
  Emails land in:      var/mail/*.eml
  bKash payments go to the simulator on 127.0.0.1:8765 (Pay / Cancel / Fail buttons).
  Demo logins are listed above (seed_demo). Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
