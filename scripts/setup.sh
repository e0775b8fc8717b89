#!/usr/bin/env bash
# Shared set-up for scripts/dev and scripts/test: idempotent, safe to run again.
# Creates .venv, installs the project (re-installs only when pyproject.toml changed),
# and, when asked (--broker), installs and starts RabbitMQ from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3}

need_apt=()
if [[ " $* " == *" --broker "* ]] && ! command -v rabbitmq-server >/dev/null 2>&1; then need_apt+=(rabbitmq-server); fi
if [[ " $* " == *" --browser "* ]] && ! command -v chromium >/dev/null 2>&1; then need_apt+=(chromium chromium-driver); fi
if [[ " $* " == *" --tools "* ]] && ! command -v promtool >/dev/null 2>&1; then need_apt+=(prometheus); fi
if [[ " $* " == *" --tools "* ]] && ! command -v pdftoppm >/dev/null 2>&1; then need_apt+=(poppler-utils); fi
if (( ${#need_apt[@]} )); then
  echo "setup: installing ${need_apt[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # Debian's prometheus package starts a server on :9090 that the project does not need.
  (command -v service >/dev/null && service prometheus stop >/dev/null 2>&1) || pkill -x prometheus 2>/dev/null || true
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.confer-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python dependencies"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e ".[dev,test]"
  echo "$want" > "$stamp"
fi

if [[ " $* " == *" --broker "* ]]; then
  if ! rabbitmqctl -q status >/dev/null 2>&1; then
    echo "setup: starting RabbitMQ"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
  fi
  # Quorum queues and a clean app: start_app is a no-op when it already runs.
  rabbitmqctl -q start_app >/dev/null 2>&1 || true
  rabbitmqctl -q await_startup >/dev/null 2>&1 || true
fi
