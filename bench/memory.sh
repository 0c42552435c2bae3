#!/usr/bin/env bash
# Memory of mirra-server vs redis-server holding the same data set: N three-field hashes
#   HSET key:<i> nombre <first name> apellido <two surnames> email <address>
# loaded with redis-cli --pipe from one RESP stream generated once. Prints used_memory,
# used_memory_rss and the process RSS (/proc/PID/status VmRSS) side by side with the ratio
# mirra/redis. See bench/README.md.
#
#   bench/memory.sh                          # both servers, 1,000,000 hashes
#   SERVERS=redis N=100000 bench/memory.sh

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N="${N:-1000000}"
SETTLE="${SETTLE:-2}"   # seconds to wait after loading before measuring
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"

SERVER_LIST=()
for s in mirra redis; do has_server "$s" && SERVER_LIST+=("$s"); done

# ---- data: deterministic, realistic Spanish names (UTF-8), double surnames and e-mails ---------
DATA="$WORK/hashes.resp"
gen_start=$(date +%s.%N)
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
gen_secs=$(awk -v a="$gen_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
log "generated $N HSET commands ($(du -h "$DATA" | cut -f1) of RESP) in ${gen_secs}s: $DATA"

for s in "${SERVER_LIST[@]}"; do start_server "$s"; done

declare -A M=()
for s in "${SERVER_LIST[@]}"; do
  port=${SERVER_PORT[$s]}
  pid=${SERVER_PID[$s]}
  M["$s|base_used"]=$(info_field "$port" used_memory)
  M["$s|base_rss"]=$(vmrss_bytes "$pid")
  t0=$(date +%s.%N)
  out="$WORK/pipe-$s.out"
  run_child "$out" "$DATA" redis-cli -h 127.0.0.1 -p "$port" --pipe || die "$s: redis-cli --pipe failed: $(cat "$out")"
  t1=$(date +%s.%N)
  summary=$(grep -o 'errors: [0-9]*, replies: [0-9]*' "$out" || true)
  [[ "$summary" == "errors: 0, replies: $N" ]] || die "$s: unexpected --pipe result: $(cat "$out")"
  keys=$(redis-cli -h 127.0.0.1 -p "$port" DBSIZE)
  [[ "$keys" == "$N" ]] || die "$s: DBSIZE is $keys, expected $N"
  sleep "$SETTLE"
  M["$s|load_secs"]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  M["$s|used"]=$(info_field "$port" used_memory)
  M["$s|used_rss"]=$(info_field "$port" used_memory_rss)
  M["$s|rss"]=$(vmrss_bytes "$pid")
  M["$s|per_key"]=$(awk -v a="${M["$s|used"]}" -v b="${M["$s|base_used"]}" -v n="$N" 'BEGIN { printf "%.1f", (a - b) / n }')
  M["$s|rss_per_key"]=$(awk -v a="${M["$s|rss"]}" -v b="${M["$s|base_rss"]}" -v n="$N" 'BEGIN { printf "%.1f", (a - b) / n }')
  log "$s: loaded in ${M["$s|load_secs"]}s"
done

mib() { [[ -z "${1:-}" || "$1" == - ]] && echo - || awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
val() { if has_server "$1"; then echo "${M["$1|$2"]:-}"; else echo -; fi; }

printf '\n%d hashes x 3 fields (HSET key:<i> nombre .. apellido .. email ..), %s bytes of RESP\n\n' \
  "$N" "$(stat -c %s "$DATA")"
printf '%-34s %16s %16s %12s\n' "metric" "mirra" "redis" "mirra/redis"
row_mib() {
  local label=$1 key=$2 m r
  m=$(val mirra "$key"); r=$(val redis "$key")
  printf '%-34s %16s %16s %12s\n' "$label" "$(mib "$m")" "$(mib "$r")" "$(ratio "$m" "$r")"
}
row_num() {
  local label=$1 key=$2 m r
  m=$(val mirra "$key"); r=$(val redis "$key")
  printf '%-34s %16s %16s %12s\n' "$label" "${m:--}" "${r:--}" "$(ratio "$m" "$r")"
}
row_mib "used_memory (INFO)" used
row_mib "used_memory_rss (INFO)" used_rss
row_mib "VmRSS (/proc/PID/status)" rss
row_num "used_memory bytes per key" per_key
row_num "VmRSS bytes per key (over empty)" rss_per_key
row_mib "used_memory empty server" base_used
row_mib "VmRSS empty server" base_rss
row_num "load time, s (redis-cli --pipe)" load_secs
printf '\n(ratio < 1 means mirra uses less memory; measured %ss after loading)\n' "$SETTLE"
