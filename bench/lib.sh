# Shared helpers of the bench scripts (sourced, not run).
# Starts mirra-server and redis-server side by side on free ports of 127.0.0.1, without persistence,
# each in its own work dir, and stops them by PID (SIGTERM, 5 s grace, SIGKILL) when the script exits.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"

SERVERS="${SERVERS:-mirra redis}"          # which servers to run: "mirra redis", "redis" or "mirra"
MIRRA_CMD="${MIRRA_CMD:-$REPO_ROOT/bin/mirra-server}"
REDIS_CMD="${REDIS_CMD:-redis-server}"
START_TIMEOUT_MIRRA="${START_TIMEOUT_MIRRA:-300}"   # the launcher may build the Release binaries first
START_TIMEOUT_REDIS="${START_TIMEOUT_REDIS:-20}"
KEEP_WORK="${KEEP_WORK:-0}"                # 1 = keep the work dir (server logs, generated data)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mirra-bench.XXXXXX")"
declare -A SERVER_PID=() SERVER_PORT=()
HELPER_PIDS=()                             # helper processes of a case (e.g. subscribers); cleanup stops them

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

need_tool() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found on PATH; install the Redis 7 tools: apt-get install -y redis-server redis-tools"
}

# A port nobody listens on, outside the ephemeral range (so outgoing connections don't take it).
# A collision with a process that binds it meanwhile is caught by start_server, which retries.
pick_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
    if [[ " ${SERVER_PORT[*]-} " == *" $p "* ]]; then continue; fi
    if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

# True when PID holds the LISTEN socket of PORT (the PONG is from our server, not a stranger).
owns_port() {
  ss -Htlnp "sport = :$2" 2>/dev/null | grep -q "pid=$1,"
}

stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not stop within 5 s of SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# run_child OUT IN CMD...: runs CMD with stdin from IN and stdout+stderr into OUT, in the background,
# and waits for it; so INT/TERM interrupt the wait at once and cleanup kills the child too.
CHILD_PID=
run_child() {
  local out=$1 in=$2 rc=0
  shift 2
  "$@" <"$in" >"$out" 2>&1 &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  return "$rc"
}

# stop_helpers: stops the PIDs in HELPER_PIDS (started by the script itself) and empties it.
stop_helpers() {
  local pid
  for pid in "${HELPER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${HELPER_PIDS[@]}"; do stop_pid "$pid"; done
  HELPER_PIDS=()
}

cleanup() {
  local name
  if [[ -n "$CHILD_PID" ]]; then kill -TERM "$CHILD_PID" 2>/dev/null || true; wait "$CHILD_PID" 2>/dev/null || true; fi
  stop_helpers
  for name in "${!SERVER_PID[@]}"; do
    stop_pid "${SERVER_PID[$name]}"
  done
  if [[ "$KEEP_WORK" == 1 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap 'log "error: \"$BASH_COMMAND\" failed (line $LINENO of $(basename "$0"))"' ERR
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME [KIND [ARGS...]]: starts KIND (mirra or redis; default NAME) as NAME with its own work
# dir, plus redis-server style ARGS (e.g. --repl-backlog-size 64mb); sets SERVER_PID[NAME] and
# SERVER_PORT[NAME]. NAME may differ from KIND to run several servers of a kind (e.g. mirra_replica).
start_server() {
  local name=$1 kind=${2:-$1} timeout port pid dir attempt i ready
  local -a cmd extra=("${@:3}")
  case "$kind" in
    mirra)
      read -r -a cmd <<<"$MIRRA_CMD"
      [[ -x "${cmd[0]}" ]] || command -v "${cmd[0]}" >/dev/null 2>&1 ||
        die "Mirra command '${cmd[0]}' not found (set MIRRA_CMD, or run SERVERS=redis $0)"
      timeout=$START_TIMEOUT_MIRRA ;;
    redis)
      read -r -a cmd <<<"$REDIS_CMD"
      need_tool "${cmd[0]}"
      timeout=$START_TIMEOUT_REDIS ;;
    *) die "unknown server '$kind' in SERVERS (use mirra and/or redis)" ;;
  esac
  dir="$WORK/$name"
  mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    "${cmd[@]}" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" "${extra[@]}" \
      >>"$dir/server.log" 2>&1 </dev/null &
    pid=$!
    SERVER_PID[$name]=$pid
    SERVER_PORT[$name]=$port
    ready=0
    for ((i = 0; i < timeout * 10; i++)); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if owns_port "$pid" "$port" &&
         [[ "$(redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null)" == PONG ]]; then
        ready=1; break
      fi
      sleep 0.1
    done
    if [[ $ready == 1 ]]; then
      log "$name: pid $pid on 127.0.0.1:$port (log $dir/server.log)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      unset "SERVER_PID[$name]"
      if grep -qi "in use" "$dir/server.log"; then
        log "$name: port $port taken, retrying"; continue
      fi
      tail -n 30 "$dir/server.log" >&2
      die "$name exited before becoming ready (log above)"
    fi
    stop_pid "$pid"
    unset "SERVER_PID[$name]"
    tail -n 30 "$dir/server.log" >&2
    die "$name not ready on port $port within ${timeout}s (log above)"
  done
  die "$name: could not bind a free port"
}

# restart_server NAME: stops NAME by PID and starts it again in its work dir (on a new port), e.g. so
# that it loads the RDB file it saved there. Its log goes on in the same file.
restart_server() {
  stop_server "$1"
  start_server "$1"
}

# stop_server NAME: stops NAME by PID (SIGTERM, then SIGKILL) and forgets it.
stop_server() {
  stop_pid "${SERVER_PID[$1]}"
  unset "SERVER_PID[$1]"
}

# pipe_load PORT FILE COMMANDS: feeds the RESP stream FILE to the server with redis-cli --pipe and
# checks that all COMMANDS were answered without error. Returns 1 with the reason in PIPE_ERROR
# (it does not die, so a caller can report the server as "n/a" and go on).
PIPE_ERROR=
pipe_load() {
  local port=$1 file=$2 n=$3 out="$WORK/pipe-$1.out" summary first
  PIPE_ERROR=
  run_child "$out" "$file" redis-cli -h 127.0.0.1 -p "$port" --pipe || true   # exits 1 when a reply was an error
  summary=$(grep -o 'errors: [0-9]*, replies: [0-9]*' "$out" || true)
  [[ "$summary" == "errors: 0, replies: $n" ]] && return 0
  first=$(tr -d '\r' <"$out" | grep -m 1 -v -E '^(All data transferred|Last reply received|errors: |$)' || true)
  PIPE_ERROR="redis-cli --pipe: '${summary:-$(tail -n 1 "$out")}', expected 'errors: 0, replies: $n'${first:+; first error: $first}"
  return 1
}

# hashes_resp N [RANGE [SEED [RATE]]]: writes to stdout the RESP stream of N seed-shaped hashes,
#   HSET key:<i> nombre <first name> apellido <two surnames> email <address>
# deterministic, realistic Spanish names (UTF-8), double surnames and e-mails. With RANGE 0 (default)
# the keys are key:0 .. key:<N-1> in order (the data set of memory.sh and persistence.sh); with
# RANGE > 0 each key is key:<random below RANGE> (overwrites of that data set). N 0 = no end. RATE > 0
# throttles the stream to about RATE commands/s (bursts of RATE/50, then a 20 ms sleep; starting the
# sleeps makes the real rate somewhat lower). SEED defaults to the data set's seed.
hashes_resp() {
  LC_ALL=C awk -v n="$1" -v range="${2:-0}" -v seed="${3:-20240601}" -v rate="${4:-0}" "$HASHES_AWK"
}
# The awk program of hashes_resp (its variables: n, range, seed, rate). To run the generator as a
# background process whose PID is $! (e.g. to stop it by PID), run awk with it directly rather than
# the function (a function in the background is a subshell with awk as its child).
HASHES_AWK='
function ascii(s) {
  gsub(/á/, "a", s); gsub(/é/, "e", s); gsub(/í/, "i", s); gsub(/ó/, "o", s); gsub(/ú/, "u", s)
  gsub(/Á/, "a", s); gsub(/É/, "e", s); gsub(/Í/, "i", s); gsub(/Ó/, "o", s); gsub(/Ú/, "u", s)
  gsub(/ñ/, "n", s); gsub(/Ñ/, "n", s); gsub(/ü/, "u", s); gsub(/ /, "", s)
  return tolower(s)
}
function bulk(s) { return "$" length(s) "\r\n" s "\r\n" }   # LC_ALL=C: length() counts bytes
BEGIN {
  nf = split("Antonio José Manuel Francisco David Juan Javier Daniel Carlos Jesús Alejandro Miguel Rafael " \
             "Pablo Sergio Álvaro Adrián Fernando Jorge Alberto Iván Rubén Óscar Andrés Raúl Enrique Ramón " \
             "Vicente Joaquín Santiago Ignacio Marcos Hugo Martín Lucas Mateo " \
             "María Carmen Ana Isabel Laura Cristina Marta Lucía Elena Pilar Sara Paula Raquel Rocío Beatriz " \
             "Patricia Rosa Silvia Andrea Mercedes Teresa Sofía Alba Nuria Inés Irene Julia Claudia Noelia " \
             "Begoña Montserrat Concepción Verónica Natalia Lorena", first, " ")
  first[++nf] = "María José"; first[++nf] = "Juan Carlos"; first[++nf] = "José Luis"
  first[++nf] = "Ana Belén"; first[++nf] = "Miguel Ángel"; first[++nf] = "María del Carmen"
  ns = split("García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez " \
             "Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez " \
             "Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado Castro Ortiz " \
             "Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano Guerrero Cano " \
             "Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores Cabrera Campos Vega " \
             "Fuentes Carrasco Diez Caballero Reyes Nieto Aguilar Pascual Santana Herrero Montero Lorenzo " \
             "Hidalgo Giménez Ibáñez Ferrer Durán Santiago Benítez Vargas Mora Vicente Arias Carmona Crespo " \
             "Román Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas", last, " ")
  nd = split("gmail.com gmail.com gmail.com hotmail.com hotmail.es yahoo.es outlook.es outlook.com " \
             "telefonica.net movistar.es icloud.com protonmail.com", dom, " ")
  for (i = 1; i <= nf; i++) firsta[i] = ascii(first[i])
  for (i = 1; i <= ns; i++) lasta[i] = ascii(last[i])
  sep[1] = "."; sep[2] = "_"; sep[3] = ""; sep[4] = "."
  srand(seed)
  hset = "*8\r\n$4\r\nHSET\r\n"
  kn = bulk("nombre"); ka = bulk("apellido"); ke = bulk("email")
  batch = rate > 0 ? int(rate / 50) : 0; if (rate > 0 && batch < 1) batch = 1
  for (i = 0; n == 0 || i < n; i++) {
    f = int(rand() * nf) + 1; s1 = int(rand() * ns) + 1; s2 = int(rand() * ns) + 1
    r = rand()
    num = (r < 0.55) ? int(rand() * 1000) : (r < 0.75 ? 1950 + int(rand() * 56) : "")
    email = firsta[f] sep[int(rand() * 4) + 1] lasta[s1] num "@" dom[int(rand() * nd) + 1]
    key = range > 0 ? int(rand() * range) : i
    printf "%s%s%s%s%s%s%s%s", hset, bulk("key:" key), kn, bulk(first[f]), ka, bulk(last[s1] " " last[s2]), ke, bulk(email)
    if (batch && (i + 1) % batch == 0) { fflush(); system("sleep 0.02") }
  }
}'

# info_field PORT FIELD [SECTION]: a field of INFO (the default sections, or SECTION: e.g. persistence,
# commandstats).
info_field() {
  local info
  info=$(redis-cli -h 127.0.0.1 -p "$1" INFO ${3:+"$3"}) || die "INFO failed on port $1"
  printf '%s\n' "$info" | tr -d '\r' | awk -F: -v f="$2" '$1 == f { v = $2 } END { print v }'
}

# vmrss_bytes PID: resident set size from /proc/PID/status.
vmrss_bytes() {
  awk '/^VmRSS:/ { print $2 * 1024; exit }' "/proc/$1/status"
}

# mib BYTES: "12.3 MiB"; "-", "n/a" and empty pass through.
mib() { [[ -z "${1:-}" || "$1" == - || "$1" == n/a ]] && echo "${1:--}" || awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

# ratio A B: A/B with 2 decimals, "-" when either is missing or not a number, or B is 0.
ratio() {
  awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { num = "^[0-9]+([.][0-9]*)?([eE][-+]?[0-9]+)?$"; if (a !~ num || b !~ num || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

# median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

has_server() { [[ " $SERVERS " == *" $1 "* ]]; }

# now_us: sets NOW_US to the wall clock in microseconds (no fork).
now_us() { NOW_US=${EPOCHREALTIME//[.,]/}; }
secs_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }
cli() { redis-cli -h 127.0.0.1 -p "$@"; }

# ---- per-round results of the phase-based scripts (persistence.sh, replication.sh) --------------
# A measuring step returns 1 with the reason in FAIL_REASON (never dies); the script records it in
# FAILED["server|phase"] (or FAILED["server|data"] when the data set failed) and goes on.
FAIL_REASON=
declare -A M=() FAILED=()    # M["server|metric"]: the values of the rounds, space-separated
add() { M["$1|$2"]+="$3 "; }

# run_phases SERVERS PHASE...: for each phase, ROUNDS rounds of "<phase>_round SERVER ROUND" on each of the
# SERVERS (a space-separated list), alternating which server goes first every round so drift in the machine's
# speed affects both alike. A phase that failed on a server is n/a there (not run again); the rest goes on.
run_phases() {
  local -a servers order
  read -r -a servers <<<"$1"
  shift
  local phase round s
  for phase in "$@"; do
    for ((round = 1; round <= ROUNDS; round++)); do
      order=("${servers[@]}")
      if ((round % 2 == 0 && ${#order[@]} == 2)); then order=("${order[1]}" "${order[0]}"); fi
      for s in "${order[@]}"; do
        [[ -n "${FAILED["$s|data"]:-}${FAILED["$s|$phase"]:-}" ]] && continue
        FAIL_REASON=
        if ! "${phase}_round" "$s" "$round"; then
          FAILED["$s|$phase"]=$FAIL_REASON
          log "$s: $phase round $round: n/a: $FAIL_REASON"
        fi
      done
      log "$phase round $round/$ROUNDS done"
    done
  done
}

# print_failures SERVERS PHASE...: the reasons of the n/a cells, under the table.
print_failures() {
  local -a servers
  read -r -a servers <<<"$1"
  shift
  local s phase
  ((${#FAILED[@]} > 0)) || return 0
  printf '\nn/a (that part failed on the server and was not run again; the rest went on):\n'
  for s in "${servers[@]}"; do
    for phase in data "$@"; do
      if [[ -n "${FAILED["$s|$phase"]:-}" ]]; then printf '  %s, %s: %s\n' "$s" "$phase" "${FAILED["$s|$phase"]}"; fi
    done
  done
}

# cell SERVER PHASE METRIC AGG: median or max of the rounds; "-" when the server was not run, "n/a"
# when its data set or that phase failed.
cell() {
  if ! has_server "$1"; then echo -
  elif [[ -n "${FAILED["$1|data"]:-}${FAILED["$1|$2"]:-}" ]]; then echo n/a
  elif [[ "$4" == max ]]; then
    # shellcheck disable=SC2086
    printf '%s\n' ${M["$1|$3"]:-} | sort -g | tail -n 1
  else
    # shellcheck disable=SC2086
    median ${M["$1|$3"]:-}
  fi
}
# row KIND LABEL PHASE METRIC AGG TARGET: one table line, mirra, redis, mirra/redis and the target;
# KIND mib (bytes shown in MiB) or num.
row() {
  local kind=$1 label=$2 m r q
  m=$(cell mirra "$3" "$4" "$5"); r=$(cell redis "$3" "$4" "$5")
  if [[ "$m" == n/a || "$r" == n/a ]]; then q=n/a; else q=$(ratio "$m" "$r"); fi
  if [[ "$kind" == mib ]]; then m=$(mib "$m"); r=$(mib "$r"); fi
  printf '%-44s %12s %12s %12s  %s\n' "$label" "${m:--}" "${r:--}" "$q" "$6"
}

need_tool redis-cli
need_tool ss
for s in $SERVERS; do [[ "$s" == mirra || "$s" == redis ]] || die "SERVERS may contain only 'mirra' and 'redis' (got '$SERVERS')"; done
