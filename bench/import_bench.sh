#!/usr/bin/env bash
# Roster import: 50,000 people (the largest municipality) with 5,000 new hires,
# into a fresh database, and the whole engine run that follows it (expansion,
# registration of the hires for ansattdag, medarbeidersamtale tasks, outbox).
# Target (issue): < 5 s and < 300 MB on the 2-core machine.
#   bench/import_bench.sh [RUNS=5] [PEOPLE=50000] [HIRES=5000]
# Needs a built build/arshjul (ARSHJUL=build-x/arshjul for another build);
# installs time and sqlite3 if missing.
#
# `import` takes no clock, so the hires start during the year from tomorrow
# (bench/people_csv.py --start tomorrow): their ansattdager are ahead.
# Four configurations, each on the same CSV:
#   roros          config/roros as shipped: ansattdag capacity 25 (7 days ahead,
#                  so most hires wait: correct behaviour), no webhook
#   roros-cap1000  capacity 1000, so every hire can be placed
#   roros+hook     as shipped with one [[hook]]: the outbox is planned too
#                  (reminders, registration.created/.waiting to hire, leader, HR)
#   cap1000+hook   both
# For each: RUNS imports into a fresh database (median and range of wall time,
# max RSS from /usr/bin/time -v), the result checked in the database, then
# RUNS re-imports of the same file into the last one (nothing changes). Last,
# RUNS --dry-runs against a fresh and a filled database. Refuses to report
# numbers for a result that is not what the import should have stored.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5} people=${2:-50000} hires=${3:-5000}
bin=${ARSHJUL:-build/arshjul}
[[ -x $bin ]] || { echo "$bin: not built (or set ARSHJUL)" >&2; exit 1; }
source bench/lib.sh
need_packages time sqlite3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

today=$(TZ=Europe/Oslo date +%F)
start=$(TZ=Europe/Oslo date -d tomorrow +%F)
year=${today:0:4}
csv=$work/people.csv
/usr/bin/python3 bench/people_csv.py --people "$people" --hires "$hires" --start "$start" \
  --units-from config/roros/arshjul.toml > "$csv"
# The CSV as a table, to check the database against.
sqlite3 "$work/csv.db" ".import --csv $csv csv"
rows=$(sqlite3 "$work/csv.db" "SELECT count(*) FROM csv")
(( rows == people )) || { echo "the generator wrote $rows rows, not $people" >&2; exit 1; }

fail() { echo "REFUSING TO REPORT ($1): $2" >&2; exit 1; }

# A config copy: $1 name, $2 ansattdag capacity, $3 with a hook (1/0).
make_config() {
  local dir=$work/cfg-$1
  cp -r config/roros "$dir"
  sed -i -E "s/^registration = \{ capacity = [0-9]+/registration = { capacity = $2/" "$dir/wheels/ansattdag.toml"
  grep -q "capacity = $2," "$dir/wheels/ansattdag.toml" || fail "$1" "could not set the capacity"
  if [[ $3 == 1 ]]; then
    # Nothing listens on port 9: the import only plans the outbox, never delivers.
    printf '\n[[hook]]\nid = "bench"\nurl = "http://127.0.0.1:9/hook"\nsecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"\n' >> "$dir/arshjul.toml"
  fi
  echo "$dir"
}

# Runs $bin with the rest of the arguments under /usr/bin/time -v; appends
# "wall_seconds rss_mb cpu_seconds" to $work/times and leaves stdout in $work/out.
timed() {
  /usr/bin/time -v -o "$work/time.txt" "$bin" "$@" > "$work/out" 2> "$work/err" ||
    { cat "$work/err" >&2; fail "$*" "arshjul exited non-zero"; }
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; w = s }
              /Maximum resident set size/ { r = $2 }
              /(User|System) time \(seconds\)/ { c += $2 }
              END { printf "%.2f %.0f %.2f\n", w, r / 1024, c }' "$work/time.txt" >> "$work/times"
}

# "median (min-max) s, median CPU s, max RSS median (max) MB" over $work/times;
# empties it. On a shared machine the CPU time is the steadier figure.
summary() {
  local w r c
  w=$(cut -d' ' -f1 "$work/times" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f s (%.2f-%.2f)", v[int((NR + 1) / 2)], v[1], v[NR] }')
  r=$(cut -d' ' -f2 "$work/times" | sort -n | awk '{ v[NR] = $1 } END { printf "max RSS %d MB (up to %d)", v[int((NR + 1) / 2)], v[NR] }')
  c=$(cut -d' ' -f3 "$work/times" | sort -n | awk '{ v[NR] = $1 } END { printf "CPU (user+sys) %.2f s", v[int((NR + 1) / 2)] }')
  echo "$w, $c, $r"
  : > "$work/times"
}

q() { sqlite3 "$1" "$2"; }

# Checks the database of a first import of config $1 (capacity $2, hook $3)
# and prints what it holds.
verify() {
  local name=$1 cap=$2 hook=$3 db=$4
  sqlite3 "$db" "ATTACH '$work/csv.db' AS c;
    SELECT count(*) FROM person p JOIN c.csv ON csv.id = p.id AND csv.name = p.name AND csv.unit = p.unit
      AND csv.start_date = p.start_date AND csv.manager = p.manager AND p.removed = 0;" > "$work/v"
  (( $(cat "$work/v") == people )) || fail "$name" "$(cat "$work/v") of $people people stored as in the CSV"
  local hires_in missed reg wait maxday early
  hires_in=$(sqlite3 "$work/csv.db" "SELECT count(*) FROM csv WHERE start_date >= '$start'")
  (( hires_in == hires )) || fail "$name" "the CSV has $hires_in hires, not $hires"
  missed=$(sqlite3 "$db" "ATTACH '$work/csv.db' AS c; SELECT count(*) FROM c.csv WHERE start_date >= '$start'
    AND id NOT IN (SELECT person FROM registration WHERE activity = 'ansattdag')")
  (( missed == 0 )) || fail "$name" "$missed hires have no ansattdag registration, not even waiting"
  reg=$(q "$db" "SELECT count(*) FROM registration WHERE occurrence_uid <> ''")
  wait=$(q "$db" "SELECT count(*) FROM registration WHERE occurrence_uid = ''")
  maxday=$(q "$db" "SELECT COALESCE(max(n), 0) FROM (SELECT count(*) n FROM registration WHERE occurrence_uid <> '' GROUP BY occurrence_uid)")
  (( maxday <= cap )) || fail "$name" "$maxday registered for one day, capacity $cap"
  # Every registration is for a day ahead that exists, on or after start + lead_days (7).
  early=$(q "$db" "SELECT count(*) FROM registration r LEFT JOIN occurrence o ON o.uid = r.occurrence_uid
    LEFT JOIN person p ON p.id = r.person WHERE r.occurrence_uid <> '' AND (o.uid IS NULL OR o.start_utc <= strftime('%s','now')
    OR (p.start_date <> '' AND o.original_day < date(p.start_date, '+7 days')))")
  (( early == 0 )) || fail "$name" "$early registrations for a day that is past, unknown or too early"
  local days; days=$(q "$db" "SELECT count(DISTINCT occurrence_uid) FROM registration WHERE occurrence_uid <> ''")
  # Someone waits only when every day ahead is full.
  (( cap >= 1000 || wait == 0 || reg == days * cap )) || fail "$name" "$wait waiting while $reg registered on $days days with room for $((days * cap))"
  # Medarbeidersamtaler: one task per employee with a leader, for each year's window
  # (an employee starting after it closes on 04-30 is not in it). The CSV's part:
  local y tasks emps tline=""
  for y in "$year" $((year + 1)); do
    tasks=$(sqlite3 "$db" "ATTACH '$work/csv.db' AS c; SELECT count(*) FROM task WHERE activity = 'medarbeidersamtaler'
      AND occurrence_uid LIKE 'medarbeidersamtaler.${y}%' AND subject IN (SELECT id FROM c.csv)")
    emps=$(sqlite3 "$work/csv.db" "SELECT count(*) FROM csv WHERE ';' || roles || ';' LIKE '%;employee;%'
      AND (start_date = '' OR start_date <= '$y-04-30')")
    (( tasks == emps )) || fail "$name" "$tasks medarbeidersamtale tasks for $y, $emps employees"
    local dup; dup=$(q "$db" "SELECT count(*) - count(DISTINCT subject) FROM task WHERE occurrence_uid LIKE 'medarbeidersamtaler.${y}%'")
    (( dup == 0 )) || fail "$name" "$dup employees with two medarbeidersamtale tasks in $y"
    tline+="$y: $tasks, "
  done
  local all_tasks; all_tasks=$(q "$db" "SELECT count(*) FROM task")
  local occ; occ=$(q "$db" "SELECT count(*) FROM occurrence")
  echo "  result: $people people stored; ansattdag $((reg + wait)) registrations ($hires hires + $((reg + wait - hires)) who started in the last 120 days): $reg registered on $days days (at most $maxday a day), $wait waiting; $all_tasks tasks, medarbeidersamtaler ${tline%, } (one per CSV employee); $occ occurrences"
  if [[ $hook == 1 ]]; then
    local created waiting_msgs
    created=$(q "$db" "SELECT count(*) FROM outbox WHERE event_type = 'registration.created'")
    # One registration.waiting per HR person, listing every waiting hire.
    waiting_msgs=$(q "$db" "SELECT coalesce(max(json_extract(payload, '$.data.count')), 0) FROM outbox WHERE event_type = 'registration.waiting'")
    (( created >= reg && created <= 2 * reg )) || fail "$name" "$created registration.created messages for $reg registered"
    (( wait == 0 || waiting_msgs == wait )) || fail "$name" "registration.waiting lists $waiting_msgs hires for $wait waiting"
    echo "  outbox: $(q "$db" "SELECT group_concat(event_type || ' ' || n, ', ') FROM (SELECT event_type, count(*) n FROM outbox GROUP BY 1 ORDER BY 1)")"
  fi
}

# A wheel that has run on this database since New Year, so this year's
# tasks are owed (a fresh database owes none whose deadline has passed, and
# the load measured would shrink as the year goes on).
since_new_year() {
  "$bin" token create --role read --name bench --db "$1" > /dev/null
  sqlite3 "$1" "INSERT INTO setting (key, value) VALUES ('tasks_since', strftime('%s', '$year-01-01'))"
}

echo "arshjul import people: $people people, $hires hires starting $start to $(date -d "$start + 364 days" +%F), $runs runs each ($(nproc) cores, $bin)"
for variant in "roros 25 0" "roros-cap1000 1000 0" "roros+hook 25 1" "cap1000+hook 1000 1"; do
  read -r name cap hook <<< "$variant"
  cfg=$(make_config "$name" "$cap" "$hook")
  : > "$work/times"
  for i in $(seq 1 "$runs"); do
    db=$work/$name.db
    rm -f "$db" "$db-wal" "$db-shm"
    since_new_year "$db"
    timed import people "$csv" --config "$cfg" --db "$db"
  done
  grep -q "^added $people, changed 0, removed 0" "$work/out" || fail "$name" "$(head -1 "$work/out")"
  echo "$name (capacity $cap$([[ $hook == 1 ]] && echo ", one hook")):"
  echo "  first import: $(summary)"
  echo "  arshjul: $(paste -sd'|' "$work/out" | sed 's/|/ | /g')"
  verify "$name" "$cap" "$hook" "$db"
  before=$(q "$db" "SELECT count(*) || '/' || (SELECT count(*) FROM task) || '/' || (SELECT count(*) FROM outbox) FROM registration")
  for i in $(seq 1 "$runs"); do timed import people "$csv" --config "$cfg" --db "$db"; done
  grep -q "^added 0, changed 0, removed 0" "$work/out" && grep -q " 0 changed now" "$work/out" ||
    fail "$name" "the second import changed something: $(tr '\n' ';' < "$work/out")"
  after=$(q "$db" "SELECT count(*) || '/' || (SELECT count(*) FROM task) || '/' || (SELECT count(*) FROM outbox) FROM registration")
  [[ $before == "$after" ]] || fail "$name" "registrations/tasks/outbox went from $before to $after on a second import"
  echo "  second import of the same file (nothing changes): $(summary)"
done

cfg=$work/cfg-roros
for i in $(seq 1 "$runs"); do
  rm -f "$work/dry.db"*
  timed import people "$csv" --config "$cfg" --db "$work/dry.db" --dry-run
done
grep -q "^would add $people, change 0, remove 0" "$work/out" || fail dry-run "$(head -1 "$work/out")"
(( $(q "$work/dry.db" "SELECT count(*) FROM person") == 0 )) || fail dry-run "a dry run stored people"
echo "--dry-run into an empty database (lists $people adds): $(summary)"
for i in $(seq 1 "$runs"); do timed import people "$csv" --config "$cfg" --db "$work/roros.db" --dry-run; done
grep -q "^would add 0, change 0, remove 0" "$work/out" || fail dry-run "$(head -1 "$work/out")"
echo "--dry-run against the imported database (no change): $(summary)"
echo "target: < 5 s and < 300 MB for the first import"
