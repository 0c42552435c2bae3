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

# Deterministic, realistic Spanish names (UTF-8), double surnames and e-mails.
gen_hashes() {
  COMMANDS=$N KEYS=$N
  SAMPLES=(key:0)
  DESC="$N hashes x 3 fields (HSET key:<i> nombre .. apellido .. email ..)"
  TARGET="used_memory and RSS ratio ≤ 1.00 (architecture), RSS ≤ 1.3 for now (docs/performance.md)"
  LC_ALL=C awk -v n="$N" '
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
  srand(20240601)
  hset = "*8\r\n$4\r\nHSET\r\n"
  kn = bulk("nombre"); ka = bulk("apellido"); ke = bulk("email")
  for (i = 0; i < n; i++) {
    f = int(rand() * nf) + 1; s1 = int(rand() * ns) + 1; s2 = int(rand() * ns) + 1
    r = rand()
    num = (r < 0.55) ? int(rand() * 1000) : (r < 0.75 ? 1950 + int(rand() * 56) : "")
    email = firsta[f] sep[int(rand() * 4) + 1] lasta[s1] num "@" dom[int(rand() * nd) + 1]
    printf "%s%s%s%s%s%s%s%s", hset, bulk("key:" i), kn, bulk(first[f]), ka, bulk(last[s1] " " last[s2]), ke, bulk(email)
  }
}' >"$DATA"
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

mib() { [[ -z "${1:-}" || "$1" == - || "$1" == n/a ]] && echo "${1:--}" || awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
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
