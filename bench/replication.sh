#!/usr/bin/env bash
# Replication of mirra-server vs redis-server: each server replicates to a replica of its own kind
# (Mirra to Mirra, Redis to Redis), both on this machine, measured the same way. Per server:
#   - full sync time of KEYS seed-shaped hashes (the data set of persistence.sh), to disk and
#     diskless: a fresh, empty replica gets REPLICAOF; from then until its INFO says
#     master_link_status:up (the data loaded);
#   - partial resync time after a GAP_MB gap: the replica is stopped (SIGSTOP), GAP_MB of SETs are
#     written to the master, the master drops the replica (CLIENT KILL TYPE replica), the replica is
#     continued (SIGCONT); from then until it has applied the master's whole offset (it must be a
#     partial resync: sync_partial_ok grows, sync_full does not);
#   - replica lag under a sustained write load (redis-benchmark SET -P 16 against the master):
#     the load's ops/s, the lag in bytes and ms sampled every 20 ms (repl_lag_sampler.py), and the
#     time the replica needs to catch up once the load ends.
# Prints Mirra's number, Redis's and mirra/redis with the target. See bench/README.md.
#
#   bench/replication.sh                     # both servers, 1,000,000 hashes
#   SERVERS=redis KEYS=100000 bench/replication.sh
#   ROUNDS=1 GAP_MB=20 LOAD_N=500000 bench/replication.sh
#   PHASES="partial lag" bench/replication.sh   # only some phases (disk diskless partial lag)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEYS="${KEYS:-1000000}"
ROUNDS="${ROUNDS:-3}"
GAP_MB="${GAP_MB:-50}"              # size of the partial resync's gap, in MB of replication stream
LOAD_N="${LOAD_N:-2000000}"         # SETs of the sustained write load (redis-benchmark -n)
SYNC_TIMEOUT="${SYNC_TIMEOUT:-600}" # seconds a sync or a catch-up may take
BACKLOG="${BACKLOG:-128mb}"         # the masters' repl-backlog-size: must hold the gap

need_tool python3
need_tool redis-benchmark
[[ "$KEYS" =~ ^[1-9][0-9]*$ ]] || die "KEYS must be a positive integer"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ "$GAP_MB" =~ ^[1-9][0-9]*$ ]] || die "GAP_MB must be a positive integer"
[[ "$LOAD_N" =~ ^[1-9][0-9]*$ ]] || die "LOAD_N must be a positive integer"
[[ "$SYNC_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "SYNC_TIMEOUT must be a positive integer"
SAMPLER="$BENCH_DIR/repl_lag_sampler.py"
GAP_VALUE=1024                      # bytes per SET value of the gap: ~1.07 KB of stream per SET

SERVER_LIST=()
for s in mirra redis; do has_server "$s" && SERVER_LIST+=("$s"); done

# repl_field PORT FIELD: a field of INFO replication ("" when missing or the server does not answer).
repl_field() {
  local info
  info=$(cli "$1" INFO replication 2>/dev/null) || true
  printf '%s\n' "$info" | tr -d '\r' | awk -F: -v f="$2" '$1 == f { v = $2 } END { print v }'
}
stat_field() { cli "$1" INFO stats 2>/dev/null | tr -d '\r' | awk -F: -v f="$2" '$1 == f { v = $2 } END { print v }'; }

# wait_applied REPLICA MASTER_OFFSET DEADLINE_US: until the replica's link is up and it has applied
# MASTER_OFFSET; returns 1 with FAIL_REASON at the deadline or when the replica died.
wait_applied() {
  local replica=$1 want=$2 deadline=$3 info link offset
  while :; do
    info=$(cli "${SERVER_PORT[$replica]}" INFO replication 2>/dev/null | tr -d '\r') || true
    link=$(awk -F: '$1 == "master_link_status" { print $2 }' <<<"$info")
    offset=$(awk -F: '$1 == "slave_repl_offset" { print $2 }' <<<"$info")
    if [[ "$link" == up && "$offset" =~ ^[0-9]+$ ]] && ((offset >= want)); then return 0; fi
    kill -0 "${SERVER_PID[$replica]}" 2>/dev/null || { FAIL_REASON="$replica exited (see its log)"; return 1; }
    now_us
    ((NOW_US < deadline)) ||
      { FAIL_REASON="$replica not caught up within ${SYNC_TIMEOUT}s (link ${link:-?}, offset ${offset:-?} of $want)"; return 1; }
    sleep 0.01
  done
}

# attach SERVER: starts a fresh empty replica SERVER_replica, REPLICAOF the master, waits until it
# has applied everything; sets SYNC_SECS (REPLICAOF to caught up) and checks its DBSIZE.
attach() {
  local s=$1 r="$1_replica" mport=${SERVER_PORT[$1]} t0 reply n
  start_server "$r" "$s"
  now_us; t0=$NOW_US
  reply=$(cli "${SERVER_PORT[$r]}" REPLICAOF 127.0.0.1 "$mport" 2>&1) || true
  [[ "$reply" == OK ]] || { FAIL_REASON="REPLICAOF answered '$reply'"; return 1; }
  wait_applied "$r" "$(repl_field "$mport" master_repl_offset)" $((t0 + SYNC_TIMEOUT * 1000000)) || return 1
  now_us
  SYNC_SECS=$(secs_between "$t0" "$NOW_US")
  n=$(cli "${SERVER_PORT[$r]}" DBSIZE 2>&1) || true
  [[ "$n" == "$(cli "$mport" DBSIZE)" ]] || { FAIL_REASON="replica DBSIZE $n differs from the master's"; return 1; }
}

detach() { [[ -n "${SERVER_PID[$1_replica]:-}" ]] && stop_server "$1_replica"; return 0; }

# full_round SERVER MODE: a full sync to a fresh replica, MODE disk or diskless.
full_round() {
  local s=$1 mode=$2 port=${SERVER_PORT[$1]} full0 full1
  cli "$port" CONFIG SET repl-diskless-sync "$([[ $mode == diskless ]] && echo yes || echo no)" >/dev/null
  full0=$(stat_field "$port" sync_full)
  attach "$s" || { detach "$s"; return 1; }
  full1=$(stat_field "$port" sync_full)
  detach "$s"
  ((full1 == full0 + 1)) || { FAIL_REASON="sync_full went $full0 -> $full1, expected one full sync"; return 1; }
  add "$s" "full_${mode}_secs" "$SYNC_SECS"
  log "$s: full sync ($mode) of $KEYS hashes: ${SYNC_SECS}s"
}
disk_round() { full_round "$1" disk; }
diskless_round() { full_round "$1" diskless; }

# partial_round SERVER: the replica misses GAP_MB, then resumes with a partial resync.
partial_round() {
  local s=$1 r="$1_replica" port=${SERVER_PORT[$1]} rpid off0 off1 ok0 ok1 full0 full1 t0 killed n
  attach "$s" || { detach "$s"; return 1; }
  rpid=${SERVER_PID[$r]}
  off0=$(repl_field "$port" master_repl_offset)
  ok0=$(stat_field "$port" sync_partial_ok); full0=$(stat_field "$port" sync_full)
  kill -STOP "$rpid"
  n=$((GAP_MB * 1000 * 1000 / (GAP_VALUE + 46)))
  if ! run_child "$WORK/gap-$s.out" /dev/null redis-benchmark -h 127.0.0.1 -p "$port" -t set -d "$GAP_VALUE" \
        -r 100000 -n "$n" -c 10 -P 16 -q; then
    kill -CONT "$rpid"; detach "$s"; FAIL_REASON="redis-benchmark (the gap) failed: $(tail -c 300 "$WORK/gap-$s.out")"; return 1
  fi
  off1=$(repl_field "$port" master_repl_offset)
  killed=$(cli "$port" CLIENT KILL TYPE replica 2>&1) || true
  now_us; t0=$NOW_US
  kill -CONT "$rpid"
  [[ "$killed" == 1 ]] || { detach "$s"; FAIL_REASON="CLIENT KILL TYPE replica answered '$killed'"; return 1; }
  wait_applied "$r" "$off1" $((t0 + SYNC_TIMEOUT * 1000000)) || { detach "$s"; return 1; }
  now_us
  ok1=$(stat_field "$port" sync_partial_ok); full1=$(stat_field "$port" sync_full)
  detach "$s"
  ((ok1 == ok0 + 1 && full1 == full0)) ||
    { FAIL_REASON="not a partial resync: sync_partial_ok $ok0 -> $ok1, sync_full $full0 -> $full1"; return 1; }
  add "$s" partial_secs "$(secs_between "$t0" "$NOW_US")"
  add "$s" gap_bytes "$((off1 - off0))"
  log "$s: partial resync after $(((off1 - off0) / 1048576)) MiB: $(secs_between "$t0" "$NOW_US")s"
}

# lag_round SERVER: replica lag while redis-benchmark writes LOAD_N SETs to the master.
lag_round() {
  local s=$1 r="$1_replica" port=${SERVER_PORT[$1]} spid out="$WORK/lag-$1.out" bout="$WORK/load-$1.out" t0 want line rps max_bytes max_ms
  attach "$s" || { detach "$s"; return 1; }
  python3 "$SAMPLER" 127.0.0.1 "$port" "${SERVER_PORT[$r]}" 20 >"$out" 2>&1 &
  spid=$!; HELPER_PIDS+=("$spid")
  if ! run_child "$bout" /dev/null redis-benchmark -h 127.0.0.1 -p "$port" -t set -r 1000000 -n "$LOAD_N" \
        -c 50 -P 16 --csv; then
    stop_helpers; detach "$s"; FAIL_REASON="redis-benchmark (the load) failed: $(tail -c 300 "$bout")"; return 1
  fi
  want=$(repl_field "$port" master_repl_offset)
  now_us; t0=$NOW_US
  wait_applied "$r" "$want" $((t0 + SYNC_TIMEOUT * 1000000)) || { stop_helpers; detach "$s"; return 1; }
  now_us
  add "$s" catchup_ms "$(awk -v a="$t0" -v b="$NOW_US" 'BEGIN { printf "%.0f", (b - a) / 1000 }')"
  stop_helpers
  detach "$s"
  line=$(grep '^samples=' "$out" || true)
  [[ "$line" =~ max_bytes=([0-9]+)\ p99_bytes=([0-9]+)\ max_ms=([0-9.]+)\ p99_ms=([0-9.]+) ]] ||
    { FAIL_REASON="lag sampler: $(head -c 300 "$out")"; return 1; }
  max_bytes=${BASH_REMATCH[1]} max_ms=${BASH_REMATCH[3]}
  add "$s" lag_max_bytes "$max_bytes"
  add "$s" lag_p99_bytes "${BASH_REMATCH[2]}"
  add "$s" lag_max_ms "$max_ms"
  add "$s" lag_p99_ms "${BASH_REMATCH[4]}"
  rps=$(grep -m 1 '^"SET"' "$bout" | cut -d, -f2 | tr -d '"')
  [[ "$rps" =~ ^[0-9.]+$ ]] || { FAIL_REASON="no SET line in redis-benchmark's output: $(head -c 300 "$bout")"; return 1; }
  add "$s" load_rps "$rps"
  log "$s: write load $rps SET/s, lag max $max_bytes bytes / $max_ms ms"
}
# ------------------------------------------------------------------------------------------------

LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)
DATA="$WORK/hashes.resp"
hashes_resp "$KEYS" >"$DATA"
log "generated $KEYS hashes ($(du -h "$DATA" | cut -f1) of RESP): $DATA"

for s in "${SERVER_LIST[@]}"; do
  # No output-buffer limit for replicas: these runs measure speed, not the limit (seed case 2 does).
  start_server "$s" "$s" --repl-backlog-size "$BACKLOG" --repl-diskless-sync-delay 0 \
    --client-output-buffer-limit "replica 0 0 0"
  if ! pipe_load "${SERVER_PORT[$s]}" "$DATA" "$KEYS"; then FAILED["$s|data"]=$PIPE_ERROR; log "$s: n/a: $PIPE_ERROR"; continue; fi
  log "$s: loaded $KEYS hashes"
done

# Alternate which server goes first every round, so drift in the machine's speed affects both alike.
read -ra PHASES <<<"${PHASES:-disk diskless partial lag}"   # PHASES="partial lag" runs only those
run_phases "${SERVER_LIST[*]}" "${PHASES[@]}"

printf '\nreplication: %s seed-shaped hashes, %s rounds, each server to a replica of its own kind\n\n' "$KEYS" "$ROUNDS"
printf '%-44s %12s %12s %12s  %s\n' "metric" "mirra" "redis" "mirra/redis" "target"
row num "full sync to disk, s" disk full_disk_secs median "≤ 1.0"
row num "full sync diskless, s" diskless full_diskless_secs median "≤ 1.0"
row num "partial resync after the gap, s" partial partial_secs median "≤ 1.0"
row mib "  the gap (master offset moved)" partial gap_bytes median ""
printf '%s\n' "sustained write load on the master (SET -P 16, -c 50, $LOAD_N requests):"
row num "  SET/s served by the master" lag load_rps median ""
row mib "  replica lag, worst" lag lag_max_bytes max ""
row mib "  replica lag, p99" lag lag_p99_bytes median ""
row num "  replica lag, worst, ms" lag lag_max_ms max ""
row num "  replica lag, p99, ms" lag lag_p99_ms median ""
row num "  catch-up after the load ends, ms" lag catchup_ms median ""

print_failures "${SERVER_LIST[*]}" "${PHASES[@]}"
printf '\n(times: median of %s rounds, from REPLICAOF or SIGCONT to the replica having applied the\n' "$ROUNDS"
printf " master's offset; lag: sampled every 20 ms; %s cores; load average %s at start, %s at end;\n" "$(nproc)" "$LOAD_AT_START" "$(cut -d' ' -f1 /proc/loadavg)"
printf ' ratio < 1 means mirra is faster or lags less; the SET/s row is the load each master took)\n'
awk -v l="$LOAD_AT_START" 'BEGIN { exit !(l > 0.5) }' &&
  log "warning: the machine was busy when the run started (load average $LOAD_AT_START); numbers are noisy"
true
