#!/usr/bin/env bash
# The production recipe of docs/deploy.md, brought up on loopback and driven by a browser:
#   nginx (TLS, upload limit, one trusted hop) -> the portal, two granian workers (reflex run --env prod)
#   -> PostgreSQL (a fresh database) and Redis (the browsers' states).
# Then tests/deploy/test_stack.py logs a customer in through nginx at https://portal.guichet.test (mapped
# to 127.0.0.77 for Chromium only) and checks the client address, the headers and the body limit.
# Everything it starts is stopped at the end (by process id) and its database dropped; KEEP=1 leaves the
# stack running until Enter is pressed. Needs root or sudo (apt-get, port 443 on 127.0.0.77, postgres).
# Usage: deploy/stack-up.sh            (from the repository; `make deploy-check` runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PY=$REPO/.venv/bin/python
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
if [ -n "$SUDO" ]; then AS_PG=(sudo -u postgres); else AS_PG=(runuser -u postgres --); fi

HOST=portal.guichet.test
LISTEN=127.0.0.77            # nginx's address; it reaches the workers from 127.0.0.2 (see below)
BACKEND_PORT=${STACK_BACKEND_PORT:-8611}
REDIS_PORT=${STACK_REDIS_PORT:-6391}
DB=guichet_stack
DB_URL="postgresql+psycopg://guichet:guichet@127.0.0.1/$DB"
RUN=$(mktemp -d /tmp/guichet-stack.XXXXXX)
PIDS=()

log() { echo "stack-up: $*"; }
cleanup() {
  local code=$?
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  (cd / && "${AS_PG[@]}" dropdb --if-exists "$DB") >/dev/null 2>&1 || true
  [ $code = 0 ] || { log "FAILED; logs in $RUN"; tail -n 30 "$RUN"/*.log 2>/dev/null || true; }
  [ $code = 0 ] && rm -rf "$RUN"
  exit $code
}
trap cleanup EXIT INT TERM

# 1. Packages from Debian, when missing.
missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# 2. PostgreSQL: the cluster Debian made, a role and a fresh database.
$SUDO pg_ctlcluster "$(ls /etc/postgresql | tail -1)" main start >/dev/null 2>&1 || true
(cd / && "${AS_PG[@]}" psql -qtc "SELECT 1 FROM pg_roles WHERE rolname='guichet'" | grep -q 1) ||
  (cd / && "${AS_PG[@]}" psql -qc "CREATE USER guichet PASSWORD 'guichet' CREATEDB")
(cd / && "${AS_PG[@]}" dropdb --if-exists "$DB" && "${AS_PG[@]}" createdb -O guichet "$DB")

# 3. Redis on loopback, nothing on disk (it holds only the browsers' states).
setsid redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$RUN/redis.log" 2>&1 &
PIDS+=($!)

# 4. The secret key: generated, kept outside the database (here in the run's private directory).
umask 077
head -c 48 /dev/urandom | base64 | tr -d '\n' >"$RUN/secret.key"
umask 022

# 5. TLS: a self-signed certificate for the test name (production: Let's Encrypt, e.g. certbot --nginx).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
  -keyout "$RUN/tls.key" -out "$RUN/tls.crt" 2>/dev/null

# 6. nginx: the documented site file, rendered; the only addition is proxy_bind, so that the portal sees
#    nginx at 127.0.0.2 and the browser at 127.0.0.1 and the test can tell which address it kept.
cp deploy/nginx-proxy-headers.conf "$RUN/proxy-headers.conf"
echo "proxy_bind 127.0.0.2;" >>"$RUN/proxy-headers.conf"
sed -e "s#@BACKEND_PORT@#$BACKEND_PORT#g" -e "s#@LISTEN@#$LISTEN#g" -e "s#@SERVER_NAME@#$HOST#g" \
    -e "s#@CERT@#$RUN/tls.crt#g" -e "s#@KEY@#$RUN/tls.key#g" -e "s#@SNIPPET@#$RUN/proxy-headers.conf#g" \
    deploy/nginx-guichet.conf >"$RUN/site.conf"
cat >"$RUN/nginx.conf" <<EOF
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  access_log $RUN/nginx-access.log;
  client_body_temp_path $RUN/body; proxy_temp_path $RUN/proxy;
  fastcgi_temp_path $RUN/fcgi; uwsgi_temp_path $RUN/uwsgi; scgi_temp_path $RUN/scgi;
  include $RUN/site.conf;
}
EOF
$SUDO "$NGINX" -t -q -c "$RUN/nginx.conf"
setsid $SUDO "$NGINX" -c "$RUN/nginx.conf" -g "daemon off;" >"$RUN/nginx.log" 2>&1 &
PIDS+=($!)

# 7. The portal, as docs/deploy.md runs it: migrations first, then two workers sharing Redis.
export REFLEX_DB_URL="$DB_URL" REFLEX_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" GRANIAN_WORKERS=2
export REFLEX_TRUSTED_PROXY_HOPS=1 GUICHET_BASE_URL="https://$HOST" GUICHET_SECRET_KEY="$(cat "$RUN/secret.key")"
export GUICHET_DATA_DIR="$RUN/data" REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false PATH="$REPO/.venv/bin:$PATH"
# The one difference from production: the console providers (codes in the log, read by the test), so
# GUICHET_ENV stays unset; a real deployment sets GUICHET_ENV=production and SendGrid/SMTP/Twilio keys.
export GUICHET_EMAIL_PROVIDER=console GUICHET_SMS_PROVIDER=console
log "migrating $DB"
.venv/bin/reflex db migrate >"$RUN/migrate.log" 2>&1
log "building and starting the portal (reflex run --env prod, 2 workers) on 127.0.0.1:$BACKEND_PORT"
start_portal() {
  setsid .venv/bin/reflex run --env prod --backend-host 127.0.0.1 --backend-port "$BACKEND_PORT" \
    >>"$RUN/portal.log" 2>&1 &
  PORTAL=$!
  PIDS+=($PORTAL)
}
start_portal
starts=1
for _ in $(seq 1 900); do
  curl -sf "http://127.0.0.1:$BACKEND_PORT/ping" >/dev/null 2>&1 && break
  # The build's prerender fetches each page with a timeout, which a loaded machine can miss: once more.
  if ! kill -0 "$PORTAL" 2>/dev/null && [ $starts -lt 2 ]; then
    log "the portal exited during its build; starting it again"
    start_portal
    starts=2
  fi
  sleep 1
done
curl -sf "http://127.0.0.1:$BACKEND_PORT/ping" >/dev/null || { log "the portal did not start"; exit 1; }
curl -sfk --resolve "$HOST:443:$LISTEN" "https://$HOST/ping" >/dev/null || { log "nginx does not reach the portal"; exit 1; }
log "up: https://$HOST (nginx on $LISTEN) -> 127.0.0.1:$BACKEND_PORT; PostgreSQL $DB; Redis :$REDIS_PORT"

# 8. The login journey through nginx.
GUICHET_STACK_URL="https://$HOST" GUICHET_STACK_ADDRESS="$LISTEN" GUICHET_STACK_LOGS="$RUN" \
  GUICHET_TEST_DB_URL="$DB_URL" "$PY" -m pytest -q tests/deploy/test_stack.py -m stack
if [ "${KEEP:-0}" = 1 ]; then read -rp "stack-up: the stack stays up; press Enter to stop it. "; fi
log "passed"
