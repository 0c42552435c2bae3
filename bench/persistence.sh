#!/usr/bin/env bash
# RDB persistence of mirra-server vs redis-server holding the same data set: KEYS seed-shaped hashes
# (HSET key:<i> nombre .. apellido .. email .., the hashes data set of memory.sh), loaded into both
# with redis-cli --pipe. Measures, per server:
#   - SAVE: wall time of redis-cli SAVE, and the size of the RDB file;
#   - BGSAVE (idle): from BGSAVE until INFO persistence says rdb_bgsave_in_progress:0;
#   - load at startup: the server restarted on its file; the time of its log line "DB loaded from disk";
#   - BGSAVE under a write load (HSETs overwriting random keys of the data set at WRITE_RATE/s): its
#     time, the peak memory growth over the RSS before it, and the worst PING latency during it.
# Prints Mirra's number, Redis's and mirra/redis with the target. See bench/README.md.
#
#   bench/persistence.sh                     # both servers, 1,000,000 hashes
#   SERVERS=redis KEYS=100000 bench/persistence.sh
#   ROUNDS=1 WRITE_RATE=20000 bench/persistence.sh

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEYS="${KEYS:-1000000}"
ROUNDS="${ROUNDS:-3}"
WRITE_RATE="${WRITE_RATE:-50000}"   # HSET/s the write load offers during the BGSAVE under writes
WARMUP="${WARMUP:-2}"               # seconds of write load before that BGSAVE starts
SAVE_TIMEOUT="${SAVE_TIMEOUT:-600}" # seconds a SAVE, a BGSAVE or a restart's DBSIZE check may take

need_tool python3
need_tool timeout
[[ "$KEYS" =~ ^[1-9][0-9]*$ ]] || die "KEYS must be a positive integer"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ "$WRITE_RATE" =~ ^[1-9][0-9]*$ ]] || die "WRITE_RATE must be a positive integer"
[[ "$WARMUP" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "WARMUP must be a number of seconds"
[[ "$SAVE_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "SAVE_TIMEOUT must be a positive integer"
SAMPLER="$BENCH_DIR/latency_sampler.py"

SERVER_LIST=()
for s in mirra redis; do has_server "$s" && SERVER_LIST+=("$s"); done

# ---- measuring helpers: they return 1 with the reason in FAIL_REASON (never die) ---------------

# mem_kb PID: sets MEM_KB to the VmRSS of PID plus the Private_Dirty of each child process (Redis's
# forked BGSAVE child: the pages copy-on-write has duplicated, plus the child's own allocations), and
# CHILD_KB to the children's part, in kB. A fork's shared pages count once (in the parent's VmRSS).
# Reads /proc with bash builtins only, since it runs every 50 ms; a child may exit meanwhile.
mem_kb() {
  local pid=$1 k v kid
  local -a kids=()
  MEM_KB=0 CHILD_KB=0
  { while read -r k v _; do if [[ $k == VmRSS: ]]; then MEM_KB=$v; break; fi; done <"/proc/$pid/status"; } 2>/dev/null || true
  { read -r -a kids <"/proc/$pid/task/$pid/children"; } 2>/dev/null || true
  for kid in "${kids[@]}"; do
    { while read -r k v _; do
        if [[ $k == Private_Dirty: ]]; then CHILD_KB=$((CHILD_KB + v)); break; fi
      done <"/proc/$kid/smaps_rollup"; } 2>/dev/null || true
  done
  MEM_KB=$((MEM_KB + CHILD_KB))
}

# bgsave_run PORT PID SAMPLE: BGSAVE, then INFO persistence every ~10 ms until it says
# rdb_bgsave_in_progress:0; sets BG_SECS and checks rdb_last_bgsave_status:ok. With SAMPLE=1 also
# samples mem_kb PID every ~50 ms, from right after the BGSAVE reply: the peaks go to BG_PEAK_KB and
# BG_PEAK_CHILD_KB.
bgsave_run() {
  local port=$1 pid=$2 sample=$3 reply info t0 deadline last=0
  BG_PEAK_KB=0 BG_PEAK_CHILD_KB=0
  now_us; t0=$NOW_US; deadline=$((t0 + SAVE_TIMEOUT * 1000000))
  reply=$(cli "$port" BGSAVE 2>&1) || true
  [[ "$reply" == "Background saving started" ]] || { FAIL_REASON="BGSAVE answered '$reply'"; return 1; }
  while :; do
    now_us
    if [[ $sample == 1 ]] && ((NOW_US - last >= 50000)); then
      mem_kb "$pid"; last=$NOW_US
      if ((MEM_KB > BG_PEAK_KB)); then BG_PEAK_KB=$MEM_KB; fi
      if ((CHILD_KB > BG_PEAK_CHILD_KB)); then BG_PEAK_CHILD_KB=$CHILD_KB; fi
    fi
    info=$(cli "$port" INFO persistence 2>&1) || true
    [[ "$info" =~ rdb_bgsave_in_progress:0 ]] && break
    [[ "$info" =~ rdb_bgsave_in_progress:1 ]] ||
      { FAIL_REASON="INFO persistence during BGSAVE answered '$(head -n 1 <<<"$info" | tr -d '\r')'"; return 1; }
    ((NOW_US < deadline)) || { FAIL_REASON="BGSAVE still in progress after ${SAVE_TIMEOUT}s (SAVE_TIMEOUT)"; return 1; }
    sleep 0.01
  done
  now_us
  BG_SECS=$(secs_between "$t0" "$NOW_US")
  [[ "$info" =~ rdb_last_bgsave_status:ok ]] ||
    { FAIL_REASON="rdb_last_bgsave_status is not ok after BGSAVE (see the server log)"; return 1; }
}

# check_dbsize PORT: DBSIZE must be KEYS.
check_dbsize() {
  local n
  n=$(timeout "$SAVE_TIMEOUT" redis-cli -h 127.0.0.1 -p "$1" DBSIZE 2>&1) || true
  [[ "$n" == "$KEYS" ]] || { FAIL_REASON="DBSIZE is '$n', expected $KEYS"; return 1; }
}

# hset_calls PORT: calls of HSET so far (INFO commandstats), 0 before the first.
hset_calls() {
  local info
  info=$(cli "$1" INFO commandstats 2>/dev/null) || true
  [[ "$info" =~ cmdstat_hset:calls=([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0
}

# idle_round SERVER: SAVE (time, file size), BGSAVE (time), restart on the file (load time, DBSIZE).
idle_round() {
  local s=$1 port=${SERVER_PORT[$1]} reply t0 file="$WORK/$1/dump.rdb" log="$WORK/$1/server.log" lines secs
  rm -f "$file"
  now_us; t0=$NOW_US
  reply=$(timeout "$SAVE_TIMEOUT" redis-cli -h 127.0.0.1 -p "$port" SAVE 2>&1) || true
  now_us
  [[ "$reply" == OK ]] || { FAIL_REASON="SAVE answered '$reply'"; return 1; }
  [[ -s "$file" ]] || { FAIL_REASON="SAVE answered OK but $file is missing or empty"; return 1; }
  add "$s" save_secs "$(secs_between "$t0" "$NOW_US")"
  add "$s" rdb_bytes "$(stat -c %s "$file")"

  bgsave_run "$port" "${SERVER_PID[$s]}" 0 || { FAIL_REASON="idle $FAIL_REASON"; return 1; }
  add "$s" bgsave_secs "$BG_SECS"

  lines=$(wc -l <"$log")
  restart_server "$s"          # dies (with the log) when the server cannot start on its file
  secs=$(tail -n +"$((lines + 1))" "$log" | grep -o 'DB loaded from disk: [0-9.]* seconds' | tail -n 1 | awk '{ print $5 }' || true)
  [[ "$secs" =~ ^[0-9.]+$ ]] || { FAIL_REASON="no 'DB loaded from disk: N seconds' line in $log after the restart"; return 1; }
  add "$s" load_secs "$secs"
  check_dbsize "${SERVER_PORT[$s]}" || { FAIL_REASON="after the restart: $FAIL_REASON"; return 1; }
}

# load_round SERVER ROUND: BGSAVE while a write load overwrites random keys of the data set.
#   write load: hashes_resp's program, endless, keys key:<random below KEYS>, about WRITE_RATE/s, fed
#     to redis-cli --pipe through a FIFO (both PIDs in HELPER_PIDS; stopped when the BGSAVE ends);
#   latency: latency_sampler.py PINGs every 1 ms; window 1 = the WARMUP before BGSAVE (write load
#     alone), window 2 = the BGSAVE;
#   memory: mem_kb right before BGSAVE, and its peak during it.
load_round() {
  local s=$1 round=$2 port=${SERVER_PORT[$1]} pid=${SERVER_PID[$1]} fifo="$WORK/writes.fifo"
  local wout="$WORK/writer-$1.out" lout="$WORK/latency-$1.out" cpid spid pre_kb calls0 calls1 t0 warm_rate base_kb w1 w2 max1 max2 p99
  rm -f "$fifo"; mkfifo "$fifo"
  LC_ALL=C awk -v n=0 -v range="$KEYS" -v seed="$((1000 + round))" -v rate="$WRITE_RATE" "$HASHES_AWK" >"$fifo" &
  HELPER_PIDS+=($!)
  redis-cli -h 127.0.0.1 -p "$port" --pipe <"$fifo" >"$wout" 2>&1 &
  cpid=$!; HELPER_PIDS+=("$cpid")
  python3 "$SAMPLER" 127.0.0.1 "$port" 1 >"$lout" 2>&1 &
  spid=$!; HELPER_PIDS+=("$spid")
  calls0=$(hset_calls "$port"); now_us; t0=$NOW_US
  sleep "$WARMUP"
  calls1=$(hset_calls "$port"); now_us
  warm_rate=$(awk -v c="$((calls1 - calls0))" -v t="$(secs_between "$t0" "$NOW_US")" 'BEGIN { printf "%.0f", (t > 0 ? c / t : 0) }')
  kill -0 "$cpid" 2>/dev/null && ((calls1 > calls0)) ||
    { FAIL_REASON="the write load is not running (HSET calls $calls0 -> $calls1): $(head -c 300 "$wout")"; stop_helpers; return 1; }
  kill -0 "$spid" 2>/dev/null || { FAIL_REASON="latency sampler: $(head -c 300 "$lout")"; stop_helpers; return 1; }

  mem_kb "$pid"; pre_kb=$MEM_KB
  calls0=$(hset_calls "$port")
  kill -USR1 "$spid"           # the latency window of the write load alone ends here
  if ! bgsave_run "$port" "$pid" 1; then FAIL_REASON="under writes $FAIL_REASON"; stop_helpers; return 1; fi
  calls1=$(hset_calls "$port")
  stop_helpers                 # write load and sampler (SIGTERM: the sampler prints the BGSAVE window)

  w1=$(grep '^window=1 ' "$lout" || true); w2=$(grep '^window=2 ' "$lout" || true)
  [[ "$w1" =~ max_ms=([0-9.]+) ]] && max1=${BASH_REMATCH[1]}
  [[ "$w2" =~ max_ms=([0-9.]+) ]] && max2=${BASH_REMATCH[1]}
  [[ "$w2" =~ p99_ms=([0-9.]+) ]] && p99=${BASH_REMATCH[1]}
  [[ -n "${max1:-}" && -n "${max2:-}" && -n "${p99:-}" ]] ||
    { FAIL_REASON="latency sampler: $(head -c 300 "$lout")"; return 1; }
  kill -0 "${SERVER_PID[$s]}" 2>/dev/null || { FAIL_REASON="$s is no longer running"; return 1; }

  base_kb=${M["$s|empty_kb"]}
  add "$s" wbg_secs "$BG_SECS"
  add "$s" warm_rate "$warm_rate"
  add "$s" wbg_rate "$(awk -v c="$((calls1 - calls0))" -v t="$BG_SECS" 'BEGIN { printf "%.0f", (t > 0 ? c / t : 0) }')"
  add "$s" data_bytes "$(((pre_kb - base_kb) * 1024))"
  add "$s" growth_bytes "$(((BG_PEAK_KB - pre_kb) * 1024))"
  add "$s" growth_pct "$(awk -v g="$((BG_PEAK_KB - pre_kb))" -v d="$((pre_kb - base_kb))" 'BEGIN { printf "%.1f", (d > 0 ? 100 * g / d : 0) }')"
  add "$s" child_bytes "$((BG_PEAK_CHILD_KB * 1024))"
  add "$s" lat_max "$max2"
  add "$s" lat_p99 "$p99"
  add "$s" lat_base_max "$max1"
  add "$s" fork_ms "$(awk -v u="$(info_field "$port" latest_fork_usec stats)" 'BEGIN { printf "%.1f", u / 1000 }')"
  log "$s: BGSAVE under writes ${BG_SECS}s, RSS before $((pre_kb / 1024)) MiB, peak +$(((BG_PEAK_KB - pre_kb) / 1024)) MiB (children $((BG_PEAK_CHILD_KB / 1024)) MiB), PING max $max2 ms ($max1 ms before it)"
}
# ------------------------------------------------------------------------------------------------

LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)
DATA="$WORK/hashes.resp"
now_us; t0=$NOW_US
hashes_resp "$KEYS" >"$DATA"
now_us
log "generated $KEYS hashes ($(du -h "$DATA" | cut -f1) of RESP) in $(secs_between "$t0" "$NOW_US")s: $DATA"

for s in "${SERVER_LIST[@]}"; do start_server "$s"; done
for s in "${SERVER_LIST[@]}"; do
  mem_kb "${SERVER_PID[$s]}"; M["$s|empty_kb"]=$MEM_KB
  if ! pipe_load "${SERVER_PORT[$s]}" "$DATA" "$KEYS"; then FAILED["$s|data"]=$PIPE_ERROR; log "$s: n/a: $PIPE_ERROR"; continue; fi
  if ! check_dbsize "${SERVER_PORT[$s]}"; then FAILED["$s|data"]=$FAIL_REASON; log "$s: n/a: $FAIL_REASON"; continue; fi
  log "$s: loaded $KEYS hashes"
done

# Alternate which server goes first every round, so drift in the machine's speed affects both alike.
# All idle rounds come first: the RDB files then hold the very same data on both servers.
run_phases "${SERVER_LIST[*]}" idle load

printf '\n%s seed-shaped hashes (HSET key:<i> nombre .. apellido .. email ..), %s rounds\n\n' "$KEYS" "$ROUNDS"
printf '%-44s %12s %12s %12s  %s\n' "metric" "mirra" "redis" "mirra/redis" "target"
row num "SAVE time, s" idle save_secs median "≤ 1.0"
row num "BGSAVE time (no writes), s" idle bgsave_secs median "≤ 1.0"
row num "load time at startup, s (log)" idle load_secs median "≤ 1.0"
row mib "RDB file size" idle rdb_bytes median "≤ 1.05"
printf '%s\n' "BGSAVE under a write load (HSET to random keys, ${WRITE_RATE}/s offered):"
row num "  BGSAVE time, s" load wbg_secs median ""
row num "  HSET/s served before the BGSAVE" load warm_rate median ""
row num "  HSET/s served during the BGSAVE" load wbg_rate median ""
row mib "  data set RSS (before BGSAVE - empty)" load data_bytes median ""
row mib "  peak RSS growth during BGSAVE (worst)" load growth_bytes max ""
row num "  peak RSS growth, % of the data set (worst)" load growth_pct max "mirra < 10"
row mib "  of which forked children's Private_Dirty" load child_bytes max ""
row num "  worst PING latency during BGSAVE, ms" load lat_max max ""
row num "  p99 PING latency during BGSAVE, ms" load lat_p99 median ""
row num "  worst PING latency, writes alone, ms" load lat_base_max max ""
row num "  fork time (latest_fork_usec), ms" load fork_ms median ""

print_failures "${SERVER_LIST[*]}" idle load
printf '\n(times: median of %s rounds; growth and latency: the worst round. RSS = VmRSS of the server plus\n' "$ROUNDS"
printf ' the Private_Dirty of its children, i.e. what the fork really costs; %s cores; load average %s at\n' "$(nproc)" "$LOAD_AT_START"
printf ' start, %s at end; ratio < 1 means mirra is faster or smaller)\n' "$(cut -d' ' -f1 /proc/loadavg)"
awk -v l="$LOAD_AT_START" 'BEGIN { exit !(l > 0.5) }' &&
  log "warning: the machine was busy when the run started (load average $LOAD_AT_START); numbers are noisy"
true
