#!/usr/bin/env bash
# Memory of mirra-server vs redis-server holding the same data set, loaded with redis-cli --pipe from
# one RESP stream generated once. DATASET selects it:
#   hashes (default): N three-field hashes
#     HSET key:<i> nombre <first name> apellido <two surnames> email <address>
#   small-aggregates: N keys of each kind (4N keys), five short elements apiece
#     RPUSH list:<i> <5 words>   SADD iset:<i> <5 small integers>   SADD sset:<i> <5 words>
#     ZADD zset:<i> <score> <word> x5
# Prints used_memory, used_memory_rss and the process RSS (/proc/PID/status VmRSS) side by side with
# the ratio mirra/redis, and bytes per key. A server that cannot load the data set (e.g. a command it
# does not support yet) is shown as "n/a". See bench/README.md.
#
#   bench/memory.sh                          # both servers, 1,000,000 hashes
#   SERVERS=redis N=100000 bench/memory.sh
#   DATASET=small-aggregates bench/memory.sh # 250,000 of each kind (1,000,000 keys)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATASET="${DATASET:-hashes}"
case "$DATASET" in
  hashes) N="${N:-1000000}" ;;
  small-aggregates) N="${N:-250000}" ;;
  *) die "DATASET must be 'hashes' or 'small-aggregates' (got '$DATASET')" ;;
esac
SETTLE="${SETTLE:-2}"   # seconds to wait after loading before measuring
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"

SERVER_LIST=()
for s in mirra redis; do has_server "$s" && SERVER_LIST+=("$s"); done

# ---- data sets: each gen_<name> writes the RESP stream to $DATA and sets COMMANDS (replies
# expected from --pipe), KEYS (DBSIZE expected), DESC (one line for the report), SAMPLES (keys whose
# OBJECT ENCODING is shown) and TARGET (the ratio the architecture aims at) -------------------------
DATA="$WORK/$DATASET.resp"

# The seed-shaped hashes of lib.sh's hashes_resp (Spanish names, double surnames, e-mails).
gen_hashes() {
  COMMANDS=$N KEYS=$N
  SAMPLES=(key:0)
  DESC="$N hashes x 3 fields (HSET key:<i> nombre .. apellido .. email ..)"
  TARGET="used_memory and RSS ratio ≤ 1.00 (architecture), RSS ≤ 1.3 for now (docs/performance.md)"
  hashes_resp "$N" >"$DATA"
}

# Per i, four small keys: a list of 5 short words, an intset of 5 distinct integers below 10,000,
# a set of 5 distinct short words and a sorted set of 5 distinct words with scores (integers, some
# with a .5). Deterministic; the words are Spanish, plain ASCII.
gen_small_aggregates() {
  COMMANDS=$((4 * N)) KEYS=$((4 * N))
  SAMPLES=(list:0 iset:0 sset:0 zset:0)
  DESC="$N x 4 keys = $((4 * N)) keys (RPUSH list:<i> 5 words; SADD iset:<i> 5 integers; SADD sset:<i> 5 words; ZADD zset:<i> 5 scored words)"
  TARGET="RSS ratio ≤ 1.3"
  LC_ALL=C awk -v n="$N" '
function bulk(s) { return "$" length(s) "\r\n" s "\r\n" }
function head(argc, cmd) { return "*" argc "\r\n" bulk(cmd) }
# pick5(max): 5 distinct random integers in 1..max, into pick[1..5]
function pick5(max,   k, j, v, dup) {
  for (k = 1; k <= 5; k++) {
    do { v = int(rand() * max) + 1; dup = 0; for (j = 1; j < k; j++) if (pick[j] == v) dup = 1 } while (dup)
    pick[k] = v
  }
}
BEGIN {
  nw = split("rojo verde azul gris negro blanco rosa lila ocre oro plata cobre " \
             "pera uva kiwi mango fresa limon melon sandia higo coco lima cereza " \
             "gato perro loro pato lobo oso zorro burro toro vaca cabra raton " \
             "sol luna mar rio monte lago nube viento nieve lluvia", w, " ")
  srand(20240602)
  for (i = 0; i < n; i++) {
    out = head(7, "RPUSH") bulk("list:" i)
    for (k = 1; k <= 5; k++) out = out bulk(w[int(rand() * nw) + 1])
    pick5(9999)
    out = out head(7, "SADD") bulk("iset:" i)
    for (k = 1; k <= 5; k++) out = out bulk(pick[k] - 1)
    pick5(nw)
    out = out head(7, "SADD") bulk("sset:" i)
    for (k = 1; k <= 5; k++) out = out bulk(w[pick[k]])
    pick5(nw)
    out = out head(12, "ZADD") bulk("zset:" i)
    for (k = 1; k <= 5; k++) out = out bulk(int(rand() * 1000) (rand() < 0.25 ? ".5" : "")) bulk(w[pick[k]])
    printf "%s", out
  }
}' >"$DATA"
}

gen_start=$(date +%s.%N)
"gen_${DATASET//-/_}"
gen_secs=$(awk -v a="$gen_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
log "generated $DATASET: $COMMANDS commands ($(du -h "$DATA" | cut -f1) of RESP) in ${gen_secs}s: $DATA"
# ------------------------------------------------------------------------------------------------

for s in "${SERVER_LIST[@]}"; do start_server "$s"; done

declare -A M=() NA=()
for s in "${SERVER_LIST[@]}"; do
  port=${SERVER_PORT[$s]}
  pid=${SERVER_PID[$s]}
  M["$s|base_used"]=$(info_field "$port" used_memory)
  M["$s|base_rss"]=$(vmrss_bytes "$pid")
  t0=$(date +%s.%N)
  if ! pipe_load "$port" "$DATA" "$COMMANDS"; then
    NA[$s]=$PIPE_ERROR; log "$s: n/a: ${NA[$s]}"; continue
  fi
  t1=$(date +%s.%N)
  keys=$(redis-cli -h 127.0.0.1 -p "$port" DBSIZE)
  if [[ "$keys" != "$KEYS" ]]; then NA[$s]="DBSIZE is $keys, expected $KEYS"; log "$s: n/a: ${NA[$s]}"; continue; fi
  for k in "${SAMPLES[@]}"; do
    M["$s|enc:$k"]=$(redis-cli -h 127.0.0.1 -p "$port" OBJECT ENCODING "$k" 2>/dev/null | tr -d '\r' | tr ' ' '_')
    [[ "${M["$s|enc:$k"]}" =~ ^[a-z0-9_]+$ ]] || M["$s|enc:$k"]="?"
  done
  sleep "$SETTLE"
  M["$s|load_secs"]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  M["$s|used"]=$(info_field "$port" used_memory)
  M["$s|used_rss"]=$(info_field "$port" used_memory_rss)
  M["$s|rss"]=$(vmrss_bytes "$pid")
  M["$s|per_key"]=$(awk -v a="${M["$s|used"]}" -v b="${M["$s|base_used"]}" -v n="$KEYS" 'BEGIN { printf "%.1f", (a - b) / n }')
  M["$s|rss_per_key"]=$(awk -v a="${M["$s|rss"]}" -v b="${M["$s|base_rss"]}" -v n="$KEYS" 'BEGIN { printf "%.1f", (a - b) / n }')
  log "$s: loaded in ${M["$s|load_secs"]}s"
done

# val SERVER KEY: a measurement; "-" when the server was not run, "n/a" when it could not load the
# data set (its empty-server baselines are still shown).
val() {
  if ! has_server "$1"; then echo -
  elif [[ -n "${NA[$1]:-}" && "$2" != base_* ]]; then echo n/a
  else echo "${M["$1|$2"]:-}"; fi
}
row() {   # row mib|num LABEL KEY
  local kind=$1 label=$2 key=$3 m r q
  m=$(val mirra "$key"); r=$(val redis "$key")
  if [[ "$m" == n/a || "$r" == n/a ]]; then q=n/a; else q=$(ratio "$m" "$r"); fi
  if [[ "$kind" == mib ]]; then m=$(mib "$m"); r=$(mib "$r"); fi
  printf '%-34s %16s %16s %12s\n' "$label" "${m:--}" "${r:--}" "$q"
}

printf '\n%s, %s bytes of RESP\n\n' "$DESC" "$(stat -c %s "$DATA")"
printf '%-34s %16s %16s %12s\n' "metric" "mirra" "redis" "mirra/redis"
row mib "used_memory (INFO)" used
row mib "used_memory_rss (INFO)" used_rss
row mib "VmRSS (/proc/PID/status)" rss
row num "used_memory bytes per key" per_key
row num "VmRSS bytes per key (over empty)" rss_per_key
row mib "used_memory empty server" base_used
row mib "VmRSS empty server" base_rss
row num "load time, s (redis-cli --pipe)" load_secs
for k in "${SAMPLES[@]}"; do
  m=$(val mirra "enc:$k"); r=$(val redis "enc:$k")
  printf '%-34s %16s %16s\n' "OBJECT ENCODING $k" "${m:--}" "${r:--}"
done
for s in "${SERVER_LIST[@]}"; do
  if [[ -n "${NA[$s]:-}" ]]; then printf '\nn/a on %s (could not load the data set): %s\n' "$s" "${NA[$s]}"; fi
done
printf '\n(ratio < 1 means mirra uses less memory; target: %s; measured %ss after loading)\n' "$TARGET" "$SETTLE"
