#!/usr/bin/env bash
# Load benchmark for Stratus, measured as ratios within one run (see bench/README.md):
#   echo       bench/echo_server, the Beast + Asio floor        (GET /_stratus/health)
#   health     stratus GET /_stratus/health                     (net/ + builtin only)
#   sts        stratus STS GetCallerIdentity, query protocol    (the whole request path)
# Prints a markdown table (req/s, p50, p99) and the ratios health/echo and sts/health.
#
# Builds nothing: expects build/release/stratus and build/release/bench/echo_server (or
# build/echo_server). Environment overrides:
#   DURATION=10s CONNECTIONS=32 WRK_THREADS=1 SERVER_THREADS=1 WARMUP=2s
#   ROUNDS=1 (run the three targets N times, interleaved; report each target's median round)
#   STRATUS=path ECHO_SERVER=path STRATUS_ARGS="extra args"  PIN=auto|0
# Exit status: 0 when every run is valid; 1 when a server fails to start or a run saw
# non-2xx responses or socket errors (its figures would be meaningless). Missing a goal
# does not fail the script: this is a measurement, not a gate.
set -euo pipefail
export LC_ALL=C  # printf and awk parse and print "12345.6", whatever the user's locale

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
cd "$ROOT"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
WRK_THREADS="${WRK_THREADS:-1}"
# 2-core machines: wrk and the server share the CPU, so each gets one thread (and one core,
# see PIN below). A server with more threads than free cores only measures contention.
SERVER_THREADS="${SERVER_THREADS:-1}"
WARMUP="${WARMUP:-2s}"
ROUNDS="${ROUNDS:-1}"
READY_TIMEOUT=10
PIN="${PIN:-auto}"

STRATUS="${STRATUS:-build/release/stratus}"
if [[ -z "${ECHO_SERVER:-}" ]]; then
  ECHO_SERVER=build/release/bench/echo_server
  [[ -x "$ECHO_SERVER" ]] || ECHO_SERVER=build/echo_server
fi
# Assumed flags: --port 0 (free port), --log-level warn, --threads N (event-loop threads).
read -r -a STRATUS_EXTRA <<<"${STRATUS_ARGS:-}"

die() { echo "run.sh: $*" >&2; exit 1; }

command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
[[ -x "$STRATUS" ]] || die "$STRATUS not found: cmake --preset release && cmake --build --preset release"
[[ -x "$ECHO_SERVER" ]] || die "echo server not found (build/release/bench/echo_server or build/echo_server):
  g++ -std=c++23 -O2 bench/echo_server.cc -o build/echo_server -lpthread"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ && "$WRK_THREADS" =~ ^[1-9][0-9]*$ &&
  "$SERVER_THREADS" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]] ||
  die "CONNECTIONS, WRK_THREADS, SERVER_THREADS and ROUNDS must be positive integers"

# Seconds in a wrk duration (10, 10s, 2m, 1h), for the watchdog around wrk.
seconds_of() {
  local d="$1"
  [[ "$d" =~ ^([0-9]+)([smh]?)$ ]] || die "bad duration '$d' (use e.g. 10s, 2m)"
  case "${BASH_REMATCH[2]}" in
    m) echo $((BASH_REMATCH[1] * 60)) ;;
    h) echo $((BASH_REMATCH[1] * 3600)) ;;
    *) echo "${BASH_REMATCH[1]}" ;;
  esac
}
DURATION_S="$(seconds_of "$DURATION")"
WARMUP_S="$(seconds_of "$WARMUP")"

# CPU pinning: servers on the first allowed CPU, wrk on the second, so neither migrates
# or preempts the other. Off with PIN=0 or when fewer than 2 CPUs are allowed.
SERVER_PIN=()
WRK_PIN=()
PIN_NOTE="not pinned"
if [[ "$PIN" != 0 ]] && command -v taskset >/dev/null; then
  cpus=()
  IFS=, read -r -a parts <<<"$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)"
  for p in "${parts[@]}"; do
    if [[ "$p" =~ ^([0-9]+)-([0-9]+)$ ]]; then
      for ((c = BASH_REMATCH[1]; c <= BASH_REMATCH[2]; c++)); do cpus+=("$c"); done
    elif [[ "$p" =~ ^[0-9]+$ ]]; then
      cpus+=("$p")
    fi
  done
  if ((${#cpus[@]} >= 2)); then
    SERVER_PIN=(taskset -c "${cpus[0]}")
    WRK_PIN=(taskset -c "${cpus[1]}")
    PIN_NOTE="servers on CPU ${cpus[0]}, wrk on CPU ${cpus[1]}"
  fi
fi

TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    # Give each server 5 s to stop on SIGTERM, then SIGKILL.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME READY_PREFIX CMD...: starts CMD in the background (stdout and stderr to
# $TMP/NAME.log), waits up to READY_TIMEOUT s for "READY_PREFIX http://HOST:PORT" and sets
# URL to http://HOST:PORT.
URL=""
start_server() {
  local name="$1" prefix="$2"
  shift 2
  local log="$TMP/$name.log"
  : >"$log"  # exists before the background job opens it, for the sed below
  # stdbuf: the ready line must reach the log even if the server's stdout is block-buffered.
  "${SERVER_PIN[@]}" stdbuf -oL -eL "$@" >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local deadline=$((SECONDS + READY_TIMEOUT))
  URL=""
  while ((SECONDS <= deadline)); do
    URL="$(sed -n "s#.*${prefix} \(http://[^/[:space:]]*:[0-9][0-9]*\).*#\1#p" "$log" | head -n1)"
    [[ -n "$URL" ]] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run.sh: $name exited before it was ready: $*" >&2
      [[ "$name" != stratus ]] ||
        echo "  (run.sh assumes stratus accepts --port N, --log-level warn and --threads N)" >&2
      sed 's/^/  | /' "$log" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "run.sh: $name printed no '$prefix http://HOST:PORT' line within ${READY_TIMEOUT}s: $*" >&2
  sed 's/^/  | /' "$log" >&2
  exit 1
}

# watched SECONDS CMD...: runs CMD under a watchdog, as a background job so that a signal
# to this script is handled at once (bash defers traps while a foreground child runs).
watched() {
  local limit="$1"
  shift
  timeout -k 5 "$limit" "$@" &
  local pid=$!
  PIDS+=("$pid")
  local rc=0
  wait "$pid" || rc=$?
  unset 'PIDS[-1]'
  return "$rc"
}

# run_wrk NAME ROUND SCRIPT URL: warm-up (first round only), then the measured run; fills
# RPS, P50, P99, NON2XX and ERRORS[NAME.ROUND] from the WRK_RESULT line that
# bench/wrk_report.lua prints.
declare -A RPS P50 P99 NON2XX ERRORS
INVALID=0
run_wrk() {
  local name="$1.$2" round="$2" script="$3" url="$4"
  local out="$TMP/$name.wrk"
  local wrk=("${WRK_PIN[@]}" wrk "-t$WRK_THREADS" "-c$CONNECTIONS" --latency -s "$script")
  if ((WARMUP_S > 0 && round == 1)); then
    watched $((WARMUP_S + 30)) "${wrk[@]}" "-d$WARMUP" "$url" >/dev/null ||
      die "$name: wrk warm-up failed"
  fi
  echo "  $name: wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION $url ($(basename "$script"))" >&2
  watched $((DURATION_S + 30)) "${wrk[@]}" "-d$DURATION" "$url" >"$out" ||
    { cat "$out" >&2; die "$name: wrk failed"; }
  local line
  line="$(grep '^WRK_RESULT ' "$out" | tail -n1)" || { cat "$out" >&2; die "$name: no WRK_RESULT line"; }
  local kv k v
  for kv in ${line#WRK_RESULT }; do
    k="${kv%%=*}" v="${kv#*=}"
    case "$k" in
      rps) RPS[$name]="$v" ;;
      p50_ms) P50[$name]="$v" ;;
      p99_ms) P99[$name]="$v" ;;
      non2xx) NON2XX[$name]="$v" ;;
      errors) ERRORS[$name]="$v" ;;
    esac
  done
  if [[ "${NON2XX[$name]}" != 0 || "${ERRORS[$name]}" != 0 ]]; then
    INVALID=1
    echo "run.sh: $name: ${NON2XX[$name]} responses >= 400 and ${ERRORS[$name]} socket errors;" \
      "its figures are not valid. wrk output:" >&2
    sed 's/^/  | /' "$out" >&2
  fi
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "a server died during the $name run (logs: see above)"
  done
}

# Other work on the machine (a build, tests) skews every figure: measure how busy the CPUs
# are for 1 s before starting and say so in the report.
cpu_busy_percent() {
  local a b
  a=($(sed -n 's/^cpu //p' /proc/stat))
  sleep 1
  b=($(sed -n 's/^cpu //p' /proc/stat))
  local total=0 idle i
  for i in "${!a[@]}"; do total=$((total + b[i] - a[i])); done
  idle=$((b[3] - a[3] + b[4] - a[4]))  # idle + iowait
  echo $((total > 0 ? 100 * (total - idle) / total : 0))
}
BUSY="$(cpu_busy_percent)"
if ((BUSY > 10)); then
  echo "run.sh: warning: the CPUs were ${BUSY}% busy before the benchmark started;" \
    "the figures will be noisy (stop builds and tests, then rerun)" >&2
fi

echo "Starting servers ($SERVER_THREADS thread(s) each, $PIN_NOTE)" >&2
start_server echo "echo ready on" "$ECHO_SERVER" --port 0 --threads "$SERVER_THREADS"
ECHO_URL="$URL"
start_server stratus "stratus ready on" "$STRATUS" --port 0 --log-level warn \
  --threads "$SERVER_THREADS" "${STRATUS_EXTRA[@]}"
STRATUS_URL="$URL"

echo "Running $ROUNDS round(s) (warm-up $WARMUP before each target's first run)" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  run_wrk echo "$r" "$BENCH/health.lua" "$ECHO_URL"
  run_wrk health "$r" "$BENCH/health.lua" "$STRATUS_URL"
  run_wrk sts "$r" "$BENCH/sts_get_caller_identity.lua" "$STRATUS_URL"
done

# Per target, keep the round with the median req/s (its p50 and p99 with it). Rounds
# interleave the targets, so slow drift of the machine hits all three alike.
for name in echo health sts; do
  median="$(for ((r = 1; r <= ROUNDS; r++)); do echo "${RPS[$name.$r]} $r"; done |
    sort -g | sed -n "$(((ROUNDS + 1) / 2))p" | cut -d' ' -f2)"
  RPS[$name]="${RPS[$name.$median]}" P50[$name]="${P50[$name.$median]}"
  P99[$name]="${P99[$name.$median]}"
  NON2XX[$name]=0 ERRORS[$name]=0
  for ((r = 1; r <= ROUNDS; r++)); do
    NON2XX[$name]=$((NON2XX[$name] + NON2XX[$name.$r]))
    ERRORS[$name]=$((ERRORS[$name] + ERRORS[$name.$r]))
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
goal() {  # goal RATIO MIN -> "met" | "missed"
  awk -v r="$1" -v m="$2" 'BEGIN { print (r != "n/a" && r + 0 >= m) ? "met" : "missed" }'
}
HEALTH_ECHO="$(ratio "${RPS[health]}" "${RPS[echo]}")"
STS_HEALTH="$(ratio "${RPS[sts]}" "${RPS[health]}")"

echo
echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency; median of $ROUNDS round(s);" \
  "servers --threads $SERVER_THREADS;" \
  "$PIN_NOTE; $(nproc) CPUs, ${BUSY}% busy before start; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
printf '| %-34s | %10s | %8s | %8s |\n' target "req/s" "p50 ms" "p99 ms"
echo "|------------------------------------|-----------:|---------:|---------:|"
row() {
  local label="$1"
  [[ "${NON2XX[$2]}" == 0 && "${ERRORS[$2]}" == 0 ]] || label="$label (INVALID)"
  printf '| %-34s | %10.0f | %8.3f | %8.3f |\n' "$label" "${RPS[$2]}" "${P50[$2]}" "${P99[$2]}"
}
row "echo server (floor)" echo
row "stratus GET /_stratus/health" health
row "stratus STS GetCallerIdentity" sts
echo
echo "health/echo = $HEALTH_ECHO  (goal >= 0.80: $(goal "$HEALTH_ECHO" 0.80))"
echo "sts/health  = $STS_HEALTH  (goal >= 0.60: $(goal "$STS_HEALTH" 0.60))"

if ((INVALID)); then
  echo "run.sh: some runs saw errors (see above); the figures are not valid" >&2
  exit 1
fi
exit 0
