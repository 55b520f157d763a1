#!/usr/bin/env bash
# Start the web server, the django-q2 worker and the bKash and WhatsApp simulators together; Ctrl-C stops all.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping GymOS..."
  # Each process leads its own group (setsid below): signal the whole group, children included.
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  for _ in $(seq 20); do  # up to 10 s for a clean stop
    alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  # qcluster can hang on SIGTERM (django-q2 issue #346): what is still running is killed
  # (the outbox's leases make that safe).
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup INT TERM EXIT

# The offline WhatsApp Cloud API: unless WHATSAPP_SIMULATOR=0 (or a real WHATSAPP_TOKEN is set),
# the web server and the worker talk to the simulator on 127.0.0.1:8789, which posts signed
# delivery statuses back to /webhooks/whatsapp/.
if [ "${WHATSAPP_SIMULATOR:-1}" != 0 ] && [ -z "${WHATSAPP_TOKEN:-}" ]; then
  export WHATSAPP_TOKEN=sim-token WHATSAPP_PHONE_NUMBER_ID=100000000000001 WHATSAPP_APP_SECRET=sim-app-secret
  export WHATSAPP_VERIFY_TOKEN=${WHATSAPP_VERIFY_TOKEN:-sim-verify-token} WHATSAPP_BASE_URL=http://127.0.0.1:8789
  setsid $PY manage.py whatsapp_simulator --port 8789 --webhook-url "http://$HOST:$PORT/webhooks/whatsapp/" & pids+=($!)
  WHATSAPP_NOTE="WhatsApp messages go to the simulator on 127.0.0.1:8789 (delivery statuses come back)."
elif [ -n "${WHATSAPP_TOKEN:-}" ]; then
  WHATSAPP_NOTE="WhatsApp messages go to the Cloud API at ${WHATSAPP_BASE_URL:-https://graph.facebook.com}."
else
  WHATSAPP_NOTE="WhatsApp is off: reminders go by email."
fi

setsid $PY manage.py qcluster & pids+=($!)
setsid $PY manage.py runserver --noreload "$HOST:$PORT" & pids+=($!)
# A simulated fingerprint device (users 1..20 = the demo members' biometric IDs) and the poller
# reading it every 30 s; DEVICE_SIMULATOR=0 to use a real device from admin → Devices.
if [ "${DEVICE_SIMULATOR:-1}" != 0 ]; then
  setsid $PY manage.py zk_simulator --port 4370 --users 20 --punches 60 & pids+=($!)
  setsid $PY manage.py poll_devices --interval 30 & pids+=($!)
fi
# The offline bKash (BKASH_BASE_URL's default); BKASH_SIMULATOR=0 when using the real sandbox.
if [ "${BKASH_SIMULATOR:-1}" != 0 ]; then
  setsid $PY manage.py bkash_simulator & pids+=($!)
fi

sleep 2
cat <<MSG

  GymOS is running at  http://$HOST:$PORT/
  Admin:               http://$HOST:$PORT/admin/
  Emails land in:      var/mail/*.eml
  bKash payments go to the simulator on 127.0.0.1:8765 (Pay / Cancel / Fail buttons).
  $WHATSAPP_NOTE
  Demo logins are listed above (seed_demo). Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
