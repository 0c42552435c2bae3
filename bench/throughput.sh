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
# preload data or start subscribers), and teardown_<NAME> after it.
CASES=(
  "SET|-t set"
  "GET|-t get"
  "HSET|-t hset"
  "INCR|-t incr"
  "MSET|-t mset"
)
PIPELINES=(1 16)
# ------------------------------------------------------------------------------------------------

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS="${ROUNDS:-3}"
N="${N:-200000}"
CLIENTS="${CLIENTS:-50}"
KEYSPACE="${KEYSPACE:-100000}"
VERBOSE="${VERBOSE:-0}"

need_tool redis-benchmark
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"

# run_case PORT P ARGS... -> sets RPS (ops/s)
RPS=
run_case() {
  local port=$1 p=$2 out="$WORK/benchmark.out"
  shift 2
  run_child "$out" /dev/null redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$N" -r "$KEYSPACE" -P "$p" --csv "$@" ||
    die "redis-benchmark failed on port $port: $(cat "$out")"
  # --csv: a header line, then "TEST","rps",... (warnings such as "Could not fetch server CONFIG" may come first)
  RPS=$(tr -d '\r' <"$out" | awk -F'","' '/^"/ && $1 != "\"test" && NF >= 2 { print $2; exit }')
  [[ "$RPS" =~ ^[0-9.]+$ ]] || die "could not read ops/s from redis-benchmark output: $(cat "$out")"
}

LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)
SERVER_LIST=()
for s in mirra redis; do has_server "$s" && SERVER_LIST+=("$s"); done
for s in "${SERVER_LIST[@]}"; do start_server "$s"; done

log "throughput: ${#CASES[@]} cases x pipelines (${PIPELINES[*]}) x ${ROUNDS} rounds; -c $CLIENTS -n $N -r $KEYSPACE; servers: ${SERVER_LIST[*]}"
declare -A RESULTS=()
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
        port=${SERVER_PORT[$s]}
        if declare -F "setup_$name" >/dev/null; then "setup_$name" "$port"; fi
        run_case "$port" "$p" "${args[@]}"
        rps=$RPS
        if declare -F "teardown_$name" >/dev/null; then "teardown_$name" "$port"; fi
        RESULTS["$s|$name|$p"]+="$rps "
        [[ "$VERBOSE" == 1 ]] && log "round $round $name -P $p $s: $rps"
      done
    done
  done
  log "round $round/$ROUNDS done"
done

printf '\n%-10s %4s %14s %14s %12s\n' "case" "-P" "mirra ops/s" "redis ops/s" "mirra/redis"
for entry in "${CASES[@]}"; do
  name=${entry%%|*}
  for p in "${PIPELINES[@]}"; do
    m=-; r=-
    # shellcheck disable=SC2086
    has_server mirra && m=$(median ${RESULTS["mirra|$name|$p"]})
    # shellcheck disable=SC2086
    has_server redis && r=$(median ${RESULTS["redis|$name|$p"]})
    fmt() { [[ "$1" == - ]] && echo - || printf '%.0f' "$1"; }
    printf '%-10s %4s %14s %14s %12s\n' "$name" "$p" "$(fmt "$m")" "$(fmt "$r")" "$(ratio "$m" "$r")"
  done
done
printf '\n(median of %s rounds; -c %s -n %s -r %s; %s cores; load average %s at start, %s at end;\n ratio > 1 means mirra is faster)\n' \
  "$ROUNDS" "$CLIENTS" "$N" "$KEYSPACE" "$(nproc)" "$LOAD_AT_START" "$(cut -d' ' -f1 /proc/loadavg)"
awk -v l="$LOAD_AT_START" 'BEGIN { exit !(l > 0.5) }' &&
  log "warning: the machine was busy when the run started (load average $LOAD_AT_START); numbers are noisy"
true
