#!/usr/bin/env bash
# Throughput of mirra-server vs redis-server, side by side, with redis-benchmark.
# Prints the median ops/s of ROUNDS runs per case and the ratio mirra/redis. See bench/README.md.
#
#   bench/throughput.sh                      # both servers
#   SERVERS=redis bench/throughput.sh        # redis only
#   ROUNDS=5 N=500000 bench/throughput.sh
#   MIRRA_CMD="/path/to/mirra-server" bench/throughput.sh

# ---- cases: "NAME|redis-benchmark arguments" --------------------------------------------------
# Arguments are either "-t <test>" (a built-in redis-benchmark test) or a command line with
# __rand_int__ placeholders (expanded within the keyspace of -r). If a shell function
# setup_<NAME> exists it runs before the case on each server with the port as argument (e.g. to
# preload data or start subscribers), and teardown_<NAME> after it. A hook returns non-zero with
# the reason in FAIL_REASON to make the case "n/a" on that server (it must not call die).
CASES=(
  "SET|-t set"
  "GET|-t get"
  "HSET|-t hset"
  "INCR|-t incr"
  "MSET|-t mset"
  "LPUSH|-t lpush"                           # LPUSH mylist <value>
  "LPOP|-t lpop"                             # LPOP mylist: keep it after LPUSH (pops what LPUSH pushed)
  "SADD|-t sadd"                             # SADD myset element:__rand_int__
  "ZADD|-t zadd"                             # ZADD myzset __rand_int__ element:__rand_int__
  "ZRANGE|ZRANGE bench:zset 0 9 WITHSCORES"  # setup_ZRANGE preloads ZSET_SIZE members
  "PUBLISH|PUBLISH bench:ch hello"           # setup_PUBLISH starts SUBSCRIBERS subscribers
)
PIPELINES=(1 16)
declare -A TARGET=([1]=0.9 [16]=1.0)         # mirra/redis target per pipeline depth (docs/performance.md)
# ------------------------------------------------------------------------------------------------

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS="${ROUNDS:-3}"
N="${N:-200000}"
CLIENTS="${CLIENTS:-50}"
KEYSPACE="${KEYSPACE:-100000}"
VERBOSE="${VERBOSE:-0}"
RUN_TIMEOUT="${RUN_TIMEOUT:-300}"   # seconds one redis-benchmark run may take before it counts as failed
SUBSCRIBERS="${SUBSCRIBERS:-10}"    # PUBLISH case: subscribers of bench:ch (each PUBLISH must reach all)
ZSET_SIZE="${ZSET_SIZE:-1000}"      # ZRANGE case: members preloaded into bench:zset

need_tool redis-benchmark
need_tool timeout
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"
[[ "$RUN_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "RUN_TIMEOUT must be a positive integer"
[[ "$SUBSCRIBERS" =~ ^[1-9][0-9]*$ ]] || die "SUBSCRIBERS must be a positive integer"
[[ "$ZSET_SIZE" =~ ^[1-9][0-9]*$ ]] || die "ZSET_SIZE must be a positive integer"

# ---- hooks: setup_<NAME> PORT / teardown_<NAME> PORT ------------------------------------------
# They run where errexit is off: every step checks its result and returns 1 with FAIL_REASON set.
FAIL_REASON=

# LPOP pops what LPUSH pushed (-t lpush and -t lpop both use the key "mylist"). Refuse to time pops
# of an empty list, which would measure nil replies (e.g. when LPUSH was n/a on this server).
setup_LPOP() {
  local len
  len=$(redis-cli -h 127.0.0.1 -p "$1" LLEN mylist 2>&1) || { FAIL_REASON="LLEN mylist: $len"; return 1; }
  [[ "$len" =~ ^[0-9]+$ ]] || { FAIL_REASON="LLEN mylist: $len"; return 1; }
  (( len >= N / 2 )) || { FAIL_REASON="mylist holds $len items, fewer than N/2 (LPUSH must run before LPOP)"; return 1; }
}

# ZRANGE reads the first 10 of ZSET_SIZE members of bench:zset, loaded with redis-cli --pipe.
ZSET_DATA=
setup_ZRANGE() {
  local port=$1 card
  if [[ -z "$ZSET_DATA" ]]; then
    ZSET_DATA="$WORK/zset.resp"
    awk -v n="$ZSET_SIZE" 'function bulk(s) { return "$" length(s) "\r\n" s "\r\n" }
      BEGIN { srand(7); for (i = 0; i < n; i++) printf "*4\r\n$4\r\nZADD\r\n%s%s%s", bulk("bench:zset"), bulk(int(rand() * 1000000)), bulk("member:" i) }' >"$ZSET_DATA"
  fi
  redis-cli -h 127.0.0.1 -p "$port" DEL bench:zset >/dev/null 2>&1 || { FAIL_REASON="DEL bench:zset failed"; return 1; }
  pipe_load "$port" "$ZSET_DATA" "$ZSET_SIZE" || { FAIL_REASON="preloading bench:zset: $PIPE_ERROR"; return 1; }
  card=$(redis-cli -h 127.0.0.1 -p "$port" ZCARD bench:zset 2>&1) || true
  [[ "$card" == "$ZSET_SIZE" ]] || { FAIL_REASON="ZCARD bench:zset is '$card', expected $ZSET_SIZE"; return 1; }
}
teardown_ZRANGE() {
  redis-cli -h 127.0.0.1 -p "$1" DEL bench:zset >/dev/null 2>&1 || { FAIL_REASON="DEL bench:zset failed"; return 1; }
}

# PUBLISH fans out to SUBSCRIBERS redis-cli processes subscribed to bench:ch (output discarded).
# The reply of PUBLISH is the number of receivers: it must be SUBSCRIBERS before and after the run.
publish_receivers() { redis-cli -h 127.0.0.1 -p "$1" PUBLISH bench:ch hello 2>&1 || true; }
setup_PUBLISH() {
  local port=$1 i got=
  for ((i = 0; i < SUBSCRIBERS; i++)); do
    redis-cli -h 127.0.0.1 -p "$port" subscribe bench:ch >/dev/null 2>>"$WORK/subscribers.err" &
    HELPER_PIDS+=($!)
  done
  for ((i = 0; i < 100; i++)); do          # up to 10 s for all of them to be subscribed
    got=$(publish_receivers "$port")
    [[ "$got" == "$SUBSCRIBERS" ]] && return 0
    [[ "$got" =~ ^[0-9]+$ ]] || break        # an error reply: no use waiting
    sleep 0.1
  done
  FAIL_REASON="PUBLISH bench:ch answered '$got' with $SUBSCRIBERS subscribers started"
  [[ -s "$WORK/subscribers.err" ]] && FAIL_REASON+="; a subscriber said: $(head -n 1 "$WORK/subscribers.err")"
  return 1
}
teardown_PUBLISH() {
  local got
  got=$(publish_receivers "$1")
  stop_helpers                               # exactly the subscribers setup_PUBLISH started
  [[ "$got" == "$SUBSCRIBERS" ]] ||
    { FAIL_REASON="after the run PUBLISH bench:ch answered '$got', expected $SUBSCRIBERS (subscribers dropped?)"; return 1; }
}
# ------------------------------------------------------------------------------------------------

# run_case PORT P ARGS... -> sets RPS (ops/s), or returns 1 with FAIL_REASON (redis-benchmark exits
# on the first error reply, e.g. an unknown command, so a failure is never timed as a result)
RPS=
run_case() {
  local port=$1 p=$2 out="$WORK/benchmark.out" rc=0
  shift 2
  run_child "$out" /dev/null timeout "$RUN_TIMEOUT" \
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$N" -r "$KEYSPACE" -P "$p" --csv "$@" || rc=$?
  if [[ $rc == 124 ]]; then FAIL_REASON="redis-benchmark did not finish within ${RUN_TIMEOUT}s (RUN_TIMEOUT)"; return 1; fi
  if [[ $rc != 0 ]]; then
    FAIL_REASON="redis-benchmark failed (exit $rc): $(tr -d '\r' <"$out" | grep -v -e '^"' -e '^WARNING' -e '^$' | head -n 2 | tr '\n' ' ' | sed 's/ *$//')"
    return 1
  fi
  # --csv: a header line, then "TEST","rps",... (warnings such as "Could not fetch server CONFIG" may come first)
  RPS=$(tr -d '\r' <"$out" | awk -F'","' '/^"/ && $1 != "\"test" && NF >= 2 { print $2; exit }')
  [[ "$RPS" =~ ^[0-9.]+$ ]] || { FAIL_REASON="could not read ops/s from redis-benchmark output: $(cat "$out")"; return 1; }
}

# try_case SERVER NAME P ARGS... -> RPS, or returns 1 with FAIL_REASON. Runs the hooks around the
# case; teardown_<NAME> runs even when setup or the run failed (it must clean up what setup began).
try_case() {
  local s=$1 name=$2 p=$3 port=${SERVER_PORT[$1]} rc=0 reason
  shift 3
  FAIL_REASON=
  if declare -F "setup_$name" >/dev/null && ! "setup_$name" "$port"; then
    rc=1; FAIL_REASON="setup_$name: ${FAIL_REASON:-failed}"
  fi
  if [[ $rc == 0 ]] && ! run_case "$port" "$p" "$@"; then rc=1; fi
  reason=$FAIL_REASON
  if declare -F "teardown_$name" >/dev/null && ! "teardown_$name" "$port" && [[ $rc == 0 ]]; then
    rc=1; reason="teardown_$name: ${FAIL_REASON:-failed}"
  fi
  FAIL_REASON=$reason
  if [[ $rc != 0 ]] && ! kill -0 "${SERVER_PID[$s]}" 2>/dev/null; then FAIL_REASON+=" ($s is no longer running)"; fi
  return "$rc"
}

LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)
SERVER_LIST=()
for s in mirra redis; do has_server "$s" && SERVER_LIST+=("$s"); done
for s in "${SERVER_LIST[@]}"; do start_server "$s"; done

log "throughput: ${#CASES[@]} cases x pipelines (${PIPELINES[*]}) x ${ROUNDS} rounds; -c $CLIENTS -n $N -r $KEYSPACE; servers: ${SERVER_LIST[*]}"
declare -A RESULTS=() FAILED=()
for ((round = 1; round <= ROUNDS; round++)); do
  # Alternate which server goes first, and run both back to back on every case, so drift in the
  # machine's speed affects both alike.
  order=("${SERVER_LIST[@]}")
  if (( round % 2 == 0 && ${#order[@]} == 2 )); then order=("${order[1]}" "${order[0]}"); fi
  for entry in "${CASES[@]}"; do
    name=${entry%%|*}
    read -r -a args <<<"${entry#*|}"
    for p in "${PIPELINES[@]}"; do
      for s in "${order[@]}"; do
        # A case that failed on a server is "n/a" there: not run again, the other cases go on.
        [[ -n "${FAILED["$s|$name|$p"]:-}" ]] && continue
        if try_case "$s" "$name" "$p" "${args[@]}"; then
          RESULTS["$s|$name|$p"]+="$RPS "
          if [[ "$VERBOSE" == 1 ]]; then log "round $round $name -P $p $s: $RPS"; fi
        else
          FAILED["$s|$name|$p"]=$FAIL_REASON
          log "$name -P $p on $s: n/a: $FAIL_REASON"
        fi
      done
    done
  done
  log "round $round/$ROUNDS done"
done

fmt() { [[ "$1" == - || "$1" == n/a ]] && echo "$1" || printf '%.0f' "$1"; }
cell() {   # cell SERVER NAME P: median ops/s, "-" when the server was not run, "n/a" when the case failed
  if ! has_server "$1"; then echo -
  elif [[ -n "${FAILED["$1|$2|$3"]:-}" ]]; then echo n/a
  else
    # shellcheck disable=SC2086
    median ${RESULTS["$1|$2|$3"]}
  fi
}
printf '\n%-10s %4s %14s %14s %12s  %s\n' "case" "-P" "mirra ops/s" "redis ops/s" "mirra/redis" "target"
for entry in "${CASES[@]}"; do
  name=${entry%%|*}
  for p in "${PIPELINES[@]}"; do
    m=$(cell mirra "$name" "$p"); r=$(cell redis "$name" "$p")
    if [[ "$m" == n/a || "$r" == n/a ]]; then q=n/a; else q=$(ratio "$m" "$r"); fi
    printf '%-10s %4s %14s %14s %12s  %s\n' "$name" "$p" "$(fmt "$m")" "$(fmt "$r")" "$q" "${TARGET[$p]:+≥ ${TARGET[$p]}}"
  done
done
if (( ${#FAILED[@]} > 0 )); then
  printf '\nn/a (the case failed on that server and was not run again; the other cases went on):\n'
  for entry in "${CASES[@]}"; do
    for p in "${PIPELINES[@]}"; do
      for s in "${SERVER_LIST[@]}"; do
        key="$s|${entry%%|*}|$p"
        if [[ -n "${FAILED[$key]:-}" ]]; then printf '  %s -P %s on %s: %s\n' "${entry%%|*}" "$p" "$s" "${FAILED[$key]}"; fi
      done
    done
  done
fi
printf '\n(median of %s rounds; -c %s -n %s -r %s; PUBLISH to %s subscribers; ZRANGE over %s members; %s cores;\n load average %s at start, %s at end; ratio > 1 means mirra is faster)\n' \
  "$ROUNDS" "$CLIENTS" "$N" "$KEYSPACE" "$SUBSCRIBERS" "$ZSET_SIZE" "$(nproc)" "$LOAD_AT_START" "$(cut -d' ' -f1 /proc/loadavg)"
awk -v l="$LOAD_AT_START" 'BEGIN { exit !(l > 0.5) }' &&
  log "warning: the machine was busy when the run started (load average $LOAD_AT_START); numbers are noisy"
true
