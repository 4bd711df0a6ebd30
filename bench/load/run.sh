#!/usr/bin/env bash
# The load test (issue 16 §4), one command: bench/load/run.sh   (or `make bench-load`)
#
#   1. the bench's own Locust venv (bench/.venv-load, hash-checked from bench/load/requirements-load.txt);
#   2. the data (python -m bench.load.generate $GEN_ARGS; kept when docflow_load exists: GEN_ARGS=--fresh);
#   3. for each of PROCS ("1 2"): that many `docflow run` processes (waitress, 8 threads) on 127.0.0.1:5181…,
#      behind an nginx of the bench's own on 127.0.0.1:5180 (round robin), Locust headless with the step
#      shape of bench/load/locustfile.py, bench/load/monitor.py sampling CPU and connections, and
#      pg_stat_statements (when the server preloads it) read after the run;
#   4. python -m bench.load.report: bench/LOAD.md.
#
# Sessions last a working day: the measured runs reuse the day's sessions (bench/load/sessions.py makes them as
# a sign-in does); sign-in itself is measured apart, on a sample (SIGNIN_USERS accounts, SIGNIN_RATE a second,
# SIGNIN_SECONDS), before the first measured run.
#
# Knobs (environment): GEN_ARGS, PROCS, LOAD_STEPS, LOAD_STEP_SECONDS, LOAD_STEADY_SECONDS, LOAD_SPAWN_RATE,
# SIGNIN_USERS, SIGNIN_SECONDS, SIGNIN_RATE, LOAD_NOTE.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VAR=$ROOT/bench/load/var
OUT=$VAR/run
PY=$ROOT/.venv/bin/python
LOAD_VENV=$ROOT/bench/.venv-load
export PYTHONPATH=$ROOT DOCFLOW_CONFIG=$VAR/config.toml
export LOAD_STEPS=${LOAD_STEPS:-300,1000,2000,3000}
export LOAD_STEP_SECONDS=${LOAD_STEP_SECONDS:-60} LOAD_STEADY_SECONDS=${LOAD_STEADY_SECONDS:-35}
export LOAD_SPAWN_RATE=${LOAD_SPAWN_RATE:-50}
PROCS=${PROCS:-"1 2"}
SIGNIN_USERS=${SIGNIN_USERS:-300} SIGNIN_SECONDS=${SIGNIN_SECONDS:-90} SIGNIN_RATE=${SIGNIN_RATE:-5}

if [ ! -x "$LOAD_VENV/bin/locust" ]; then
  python3.11 -m venv "$LOAD_VENV"
  PIP_CONFIG_FILE=/dev/null "$LOAD_VENV/bin/pip" install --quiet --require-hashes --no-deps \
    -r bench/load/requirements-load.txt
fi

# shellcheck disable=SC2086 # GEN_ARGS is a list of options
"$PY" -m bench.load.generate ${GEN_ARGS:-}
"$PY" -m bench.load.sessions
# The sign-in sample is kept between runs: delete var/run/signin* to measure it again.
mkdir -p "$OUT" && find "$OUT" -mindepth 1 ! -name "signin*" -delete
date -u +%s > "$OUT/started"

PIDS=()
cleanup() {   # the monitor first (last started), so its last sample still sees the app processes
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[$i]}" 2>/dev/null || true; done
  PIDS=()
}
trap cleanup EXIT

for n in $PROCS; do
  upstream=""
  if ss -ltn | grep -qE "127.0.0.1:51(8[0-9]|90) "; then
    echo "a port of 5180-5190 is taken: stop what listens there"; exit 1
  fi
  app_pids=()
  for i in $(seq 1 "$n"); do
    port=$((5180 + i))
    "$ROOT/.venv/bin/docflow" run --host 127.0.0.1 --port "$port" --threads 8 > "$OUT/app$n-$i.log" 2>&1 &
    app_pids+=($!); PIDS+=($!)
    upstream="$upstream server 127.0.0.1:$port;"
  done
  mkdir -p "$VAR/nginx/logs"
  cat > "$VAR/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $VAR/nginx/nginx.pid;
error_log $VAR/nginx/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_max_body_size 60m;
  client_body_temp_path $VAR/nginx/body;
  proxy_temp_path $VAR/nginx/proxy;
  fastcgi_temp_path $VAR/nginx/fastcgi;
  uwsgi_temp_path $VAR/nginx/uwsgi;
  scgi_temp_path $VAR/nginx/scgi;
  upstream docflow { $upstream keepalive 32; }
  server {
    listen 127.0.0.1:5180;
    location / {
      proxy_pass http://docflow;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_read_timeout 120s;
    }
  }
}
CONF
  nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" > "$OUT/nginx$n.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 60); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5180/login)" != 000 ] \
      && [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5180/login)" != 502 ] && break
    sleep 1
  done
  for i in $(seq 1 "$n"); do   # each app process answers itself (not a stray one on its port)
    until grep -q "Serving on" "$OUT/app$n-$i.log"; do
      if ! kill -0 "${app_pids[$((i - 1))]}" 2>/dev/null; then
        echo "app $i did not start:"; tail -3 "$OUT/app$n-$i.log"; exit 1
      fi
      sleep 1
    done
  done
  psql -q -h 127.0.0.1 -U postgres -d docflow_load -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
  "$PY" -m bench.load.monitor "$OUT/monitor$n.jsonl" "${app_pids[@]}" &
  monitor=$!; PIDS+=($monitor)
  if [ ! -s "$OUT/signin.csv" ]; then
    # The morning, sampled: SIGNIN_USERS accounts sign in (argon2 each) for SIGNIN_SECONDS.
    echo "== sign-in of $SIGNIN_USERS accounts ($n process(es))"
    date -u +%s.%N > "$OUT/signin.start"
    LOAD_MODE=signin LOAD_SPAWN_RATE=$SIGNIN_RATE LOAD_STEPS=$SIGNIN_USERS LOAD_STEP_SECONDS=$SIGNIN_SECONDS \
      LOAD_REQUESTS_CSV="$OUT/signin.csv" \
      "$LOAD_VENV/bin/locust" -f bench/load/locustfile.py --headless --host http://127.0.0.1:5180 \
      --csv "$OUT/signin" --only-summary --loglevel WARNING > "$OUT/signin.log" 2>&1 || true
    echo "$n $SIGNIN_RATE" > "$OUT/signin.procs"
  fi
  echo "== $n process(es): Locust, steps $LOAD_STEPS users × ${LOAD_STEP_SECONDS}s"
  date -u +%s.%N > "$OUT/locust$n.start"
  LOAD_REQUESTS_CSV="$OUT/requests$n.csv" /usr/bin/time -f "%U %S %e" -o "$OUT/locust$n.time" \
    "$LOAD_VENV/bin/locust" -f bench/load/locustfile.py --headless \
    --host http://127.0.0.1:5180 --csv "$OUT/locust$n" --only-summary --loglevel WARNING \
    > "$OUT/locust$n.log" 2>&1 || true
  psql -h 127.0.0.1 -U postgres -d docflow_load -A -F $'\t' -c "SELECT calls, round(total_exec_time::numeric, 0)
    AS total_ms, round(mean_exec_time::numeric, 2) AS mean_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 160)
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'docflow_load')
    ORDER BY total_exec_time DESC LIMIT 12" > "$OUT/statements$n.tsv" 2>&1 || true
  cleanup
  sleep 3
done
"$PY" -m bench.load.report --out bench/LOAD.md
