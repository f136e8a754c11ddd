#!/usr/bin/env bash
# Local emulators for the Treasure Hunt Engine: Azurite (blob/queue/table) and the Cosmos DB protocol server
# (infra/local/emulators/cosmos-server.js), both from the npm packages pinned in infra/local/emulators.
#
# Usage: infra/local/emulators.sh COMMAND [azurite|cosmos|all]
#   install   npm ci in infra/local/emulators when node_modules is missing or older than package-lock.json
#   start     install if needed, then start the emulators that are not already answering, in the background on
#             127.0.0.1, and wait until they answer (a no-op for those already up)
#   stop      SIGTERM the processes this script started (PIDs in the state folder), SIGKILL after the grace period
#   status    show PID, owner and whether each emulator answers; exit 0 only if all asked-for emulators answer
#   reset     stop, then delete the emulators' stored data (Azurite folder and Cosmos data file)
#
# State folder: $TH_STATE_DIR, default <repo>/.th (git-ignored):
#   azurite.pid, cosmos.pid      PIDs of the processes started by this script
#   azurite.owner, cosmos.owner  who asked for the start ($TH_EMULATORS_OWNER, default "manual"); the test
#                                fixture (tests/TreasureHunt.Testing) starts with owner "fixture" and only ever
#                                stops emulators whose owner is "fixture"
#   azurite.log, cosmos.log      their output
#   azurite/                     Azurite's --location
#   cosmos/data.json             Cosmos snapshot (--data-file)
#
# Environment: TH_AZURITE_BLOB_PORT (10000), TH_AZURITE_QUEUE_PORT (10001), TH_AZURITE_TABLE_PORT (10002),
#   TH_COSMOS_PORT (8081), TH_EMULATORS_START_TIMEOUT seconds (90), TH_EMULATORS_STOP_GRACE seconds (5).
#   Read by the emulators when they start (see azurite-server.js and cosmos-server.js):
#   TH_FAULT_RATE (0..1, default 0: fraction of Cosmos document and Table entity requests answered 429 or 503),
#   TH_FAULT_SEED (default 1), TH_COSMOS_MAX_ITEM_BYTES (default 2 MB, Azure's item limit),
#   TH_AZURITE_TABLE_INNER_PORT (default table port + 100: Azurite's own table port behind the limit layer).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
EMU_DIR="$SCRIPT_DIR/emulators"
STATE_DIR="${TH_STATE_DIR:-$REPO_ROOT/.th}"
HOST=127.0.0.1
BLOB_PORT="${TH_AZURITE_BLOB_PORT:-10000}"
QUEUE_PORT="${TH_AZURITE_QUEUE_PORT:-10001}"
TABLE_PORT="${TH_AZURITE_TABLE_PORT:-10002}"
COSMOS_PORT="${TH_COSMOS_PORT:-8081}"
START_TIMEOUT="${TH_EMULATORS_START_TIMEOUT:-90}"
STOP_GRACE="${TH_EMULATORS_STOP_GRACE:-5}"
OWNER="${TH_EMULATORS_OWNER:-manual}"

log() { printf '%s\n' "emulators: $*"; }
err() { printf '%s\n' "emulators: $*" >&2; }

usage() {
  sed -n '5,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

now_ms() { date +%s%3N; }

# --- helpers -----------------------------------------------------------------------------------------------------

ports_of() {
  case "$1" in
    azurite) echo "$BLOB_PORT $QUEUE_PORT $TABLE_PORT" ;;
    cosmos) echo "$COSMOS_PORT" ;;
  esac
}

# The command-line fragment that identifies our process (guards against a recycled PID).
marker_of() {
  case "$1" in
    azurite) echo "azurite-server.js" ;;
    cosmos) echo "cosmos-server.js" ;;
  esac
}

# kill -0 also succeeds for a zombie (an exited emulator not yet reaped by init): check the process state too.
is_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"
  [[ -n "$state" && "$state" != Z ]]
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

answering() {
  local port
  for port in $(ports_of "$1"); do
    port_open "$port" || return 1
  done
}

# PID of the emulator this script started, if that process is still alive; empty otherwise.
recorded_pid() {
  local name="$1" pidfile="$STATE_DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(tr -dc '0-9' <"$pidfile")"
  [[ -n "$pid" ]] || return 0
  if is_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$(marker_of "$name")"; then
    echo "$pid"
  fi
}

forget() { rm -f "$STATE_DIR/$1.pid" "$STATE_DIR/$1.owner"; }

tail_log() {
  local logfile="$STATE_DIR/$1.log"
  if [[ -f "$logfile" ]]; then
    err "---- last lines of $logfile ----"
    tail -n 30 "$logfile" >&2 || true
    err "----"
  fi
}

# Serialises concurrent runs of this script (not the test fixture's own lock, which is emulators.lock).
# The lock fd is closed for the emulators we launch so that they never inherit the lock.
take_script_lock() {
  mkdir -p "$STATE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/script.lock"
    flock -w 600 9 || { err "could not lock $STATE_DIR/script.lock within 600 s"; exit 1; }
  fi
}

# --- install -----------------------------------------------------------------------------------------------------

needs_install() {
  local stamp="$EMU_DIR/node_modules/.package-lock.json"
  [[ ! -f "$stamp" ]] ||
    [[ "$EMU_DIR/package-lock.json" -nt "$stamp" ]] ||
    [[ ! -f "$EMU_DIR/node_modules/azurite/dist/src/azurite.js" ]] ||
    [[ ! -f "$EMU_DIR/node_modules/@vercel/cosmosdb-server/lib/index.js" ]] ||
    [[ ! -f "$EMU_DIR/node_modules/chart.js/dist/chart.umd.min.js" ]]   # the local host's dashboard charts
}

do_install() {
  command -v node >/dev/null 2>&1 || { err "node is not on PATH (Node.js 18 or later is needed)"; exit 1; }
  command -v npm >/dev/null 2>&1 || { err "npm is not on PATH"; exit 1; }
  if needs_install; then
    local t0
    t0="$(now_ms)"
    log "npm ci in $EMU_DIR ..."
    (cd "$EMU_DIR" && npm ci --no-audit --no-fund --loglevel=error) || { err "npm ci failed in $EMU_DIR"; exit 1; }
    touch "$EMU_DIR/node_modules/.package-lock.json"
    log "installed in $(($(now_ms) - t0)) ms"
  else
    log "node modules up to date ($EMU_DIR/node_modules)"
  fi
}

# --- start -------------------------------------------------------------------------------------------------------

launch() {
  local name="$1" logfile="$STATE_DIR/$1.log" pidfile="$STATE_DIR/$1.pid"
  local -a cmd
  case "$name" in
    azurite)
      mkdir -p "$STATE_DIR/azurite"
      # azurite-server.js runs Azurite in-process with its Table service behind a layer that enforces Azure's
      # table limits and injects faults (TH_FAULT_RATE); blob and queue are Azurite's own.
      cmd=(node "$EMU_DIR/azurite-server.js"
        --blobHost "$HOST" --blobPort "$BLOB_PORT"
        --queueHost "$HOST" --queuePort "$QUEUE_PORT"
        --tableHost "$HOST" --tablePort "$TABLE_PORT"
        --location "$STATE_DIR/azurite" --skipApiVersionCheck --loose --silent --disableTelemetry)
      ;;
    cosmos)
      mkdir -p "$STATE_DIR/cosmos"
      # Snapshots are full copies: every 30 s (and on SIGTERM) keeps them off the hot path. After a crash the local
      # host notices the older snapshot and rebuilds the aggregates from its durable event log.
      cmd=(node "$EMU_DIR/cosmos-server.js" --port "$COSMOS_PORT" --data-file "$STATE_DIR/cosmos/data.json" --save-interval-ms "${TH_COSMOS_SAVE_INTERVAL_MS:-30000}")
      ;;
  esac
  rm -f "$pidfile"
  printf '==== %s: starting %s\n' "$(date -u +%FT%TZ)" "${cmd[*]}" >>"$logfile"
  # A new session (setsid) so that a Ctrl-C or hang-up of the caller's terminal does not reach the emulator.
  # The inner bash writes its own PID and then execs node, so the recorded PID is the emulator's.
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  (cd "$EMU_DIR" && exec "${detach[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "${cmd[@]}") \
    </dev/null >>"$logfile" 2>&1 9>&- &
  local i
  for i in $(seq 1 50); do
    [[ -s "$pidfile" ]] && break
    sleep 0.1
  done
  [[ -s "$pidfile" ]] || { err "$name: no PID recorded in $pidfile"; tail_log "$name"; return 1; }
  echo "$OWNER" >"$STATE_DIR/$name.owner"
}

wait_ready() {
  local name="$1" pid="$2" t0="$3"
  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if answering "$name"; then
      log "$name: ready (pid $pid, ports $(ports_of "$name"), Node.js $(node --version), $(($(now_ms) - t0)) ms)"
      return 0
    fi
    if ! is_alive "$pid"; then
      err "$name: the process (pid $pid) exited during start-up"
      tail_log "$name"
      forget "$name"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      err "$name: not answering on 127.0.0.1 ports $(ports_of "$name") after ${START_TIMEOUT} s; stopping pid $pid"
      tail_log "$name"
      stop_pids "$name"
      return 1
    fi
    sleep 0.2
  done
}

start_one() {
  local name="$1" pid t0
  t0="$(now_ms)"
  if answering "$name"; then
    pid="$(recorded_pid "$name")"
    log "$name: already answering on ports $(ports_of "$name") (pid ${pid:-not started by this script})"
    return 0
  fi
  pid="$(recorded_pid "$name")"
  if [[ -n "$pid" ]]; then
    log "$name: pid $pid is running but not answering yet; waiting"
  else
    forget "$name"
    local port
    for port in $(ports_of "$name"); do
      if port_open "$port"; then
        err "$name: port $port on 127.0.0.1 is taken by another program; free it or set the TH_* port variables"
        return 1
      fi
    done
    launch "$name"
    pid="$(recorded_pid "$name")"
    if [[ -z "$pid" ]]; then
      sleep 0.3
      pid="$(tr -dc '0-9' <"$STATE_DIR/$name.pid" 2>/dev/null || true)"
      [[ -n "$pid" ]] || { err "$name: exited at once"; tail_log "$name"; forget "$name"; return 1; }
    fi
  fi
  wait_ready "$name" "$pid" "$t0"
}

# --- stop --------------------------------------------------------------------------------------------------------

# SIGTERM every named emulator that this script recorded, then SIGKILL whatever outlives the grace period.
stop_pids() {
  local name pid t0
  local -A pids=()
  t0="$(now_ms)"
  for name in "$@"; do
    pid="$(recorded_pid "$name")"
    if [[ -n "$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      pids[$name]="$pid"
    else
      if [[ -f "$STATE_DIR/$name.pid" ]]; then
        log "$name: recorded process is gone; forgetting it"
      elif answering "$name"; then
        log "$name: answering, but not started by this script (no $STATE_DIR/$name.pid): left alone"
      else
        log "$name: not running"
      fi
      forget "$name"
    fi
  done
  ((${#pids[@]})) || return 0
  local deadline=$(($(now_ms) + STOP_GRACE * 1000)) alive
  while :; do
    alive=0
    for name in "${!pids[@]}"; do
      is_alive "${pids[$name]}" && alive=1
    done
    ((alive)) || break
    if (($(now_ms) >= deadline)); then
      for name in "${!pids[@]}"; do
        if is_alive "${pids[$name]}"; then
          log "$name: still alive ${STOP_GRACE} s after SIGTERM; SIGKILL pid ${pids[$name]}"
          kill -KILL "${pids[$name]}" 2>/dev/null || true
        fi
      done
      sleep 0.2
      break
    fi
    sleep 0.1
  done
  for name in "${!pids[@]}"; do
    log "$name: stopped (pid ${pids[$name]}, $(($(now_ms) - t0)) ms)"
    forget "$name"
  done
}

# --- status ------------------------------------------------------------------------------------------------------

status_of() {
  local name="$1" pid owner="-" state
  pid="$(recorded_pid "$name")"
  [[ -n "$pid" && -f "$STATE_DIR/$name.owner" ]] && owner="$(cat "$STATE_DIR/$name.owner")"
  if answering "$name"; then state="answering"; else state="down"; fi
  printf '%-8s %-10s pid=%-8s owner=%-8s ports=%s\n' "$name" "$state" "${pid:--}" "$owner" "$(ports_of "$name" | tr ' ' ',')"
  [[ "$state" == answering ]]
}

# --- main --------------------------------------------------------------------------------------------------------

command="${1:-}"
target="${2:-all}"
case "$target" in
  all) names=(azurite cosmos) ;;
  azurite | cosmos) names=("$target") ;;
  *) err "unknown emulator '$target' (azurite, cosmos or all)"; usage 2 ;;
esac

case "$command" in
  install)
    take_script_lock
    do_install
    ;;
  start)
    take_script_lock
    # Install only when something has to be started (npm ci replaces node_modules under running emulators).
    for name in "${names[@]}"; do
      if ! answering "$name"; then
        do_install
        break
      fi
    done
    rc=0
    for name in "${names[@]}"; do
      start_one "$name" || rc=1
    done
    exit "$rc"
    ;;
  stop)
    take_script_lock
    stop_pids "${names[@]}"
    ;;
  status)
    rc=0
    for name in "${names[@]}"; do
      status_of "$name" || rc=1
    done
    exit "$rc"
    ;;
  reset)
    take_script_lock
    stop_pids "${names[@]}"
    for name in "${names[@]}"; do
      case "$name" in
        azurite) rm -rf "$STATE_DIR/azurite" ;;
        cosmos) rm -rf "$STATE_DIR/cosmos" ;;
      esac
      log "$name: stored data deleted"
    done
    ;;
  -h | --help | help) usage 0 ;;
  *) usage 2 ;;
esac
