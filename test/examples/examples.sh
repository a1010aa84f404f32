#!/usr/bin/env bash
# The programs of examples/ (psql, Python, Node.js) against the throwaway server that
# libpq's PG* variables name (a superuser), in a database of their own: the setup
# (examples/psql/setup.sql, as the superuser) twice, since it must be re-runnable, then
# each program twice, since each run must be re-runnable too. Every program checks its
# own answers and exits non-zero at a wrong one; a run passes when it exits 0 and its
# last line says that every answer was the one expected. Prints TAP, for prove, with the
# programs' output as comments. Needs `npm ci` in examples/node (scripts/test runs it).
# Drops its database, and the example roles it made, when done.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
examples_db=examples_$$_$RANDOM
first_db=${PGDATABASE:-postgres}
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$first_db" "$@"; }

# The roles setup.sql makes are the cluster's: drop those that were not there before.
made_roles=()
for role in example_web example_operator example_mailer example_app; do
    [ "$(sql -c "SELECT count(*) FROM pg_roles WHERE rolname = '$role'")" = 0 ] && made_roles+=("$role")
done
cleanup() {
    dropdb --if-exists "$examples_db"
    for role in "${made_roles[@]}"; do sql -c "DROP ROLE IF EXISTS $role"; done
}
trap cleanup EXIT
createdb "$examples_db" || { echo "Bail out! cannot create the database $examples_db"; exit 1; }
export PGDATABASE=$examples_db

tests=0
failures=0
# check DESCRIPTION LAST_LINE COMMAND…: one TAP line; ok when COMMAND exits 0 and the last
# line it prints is LAST_LINE.
check() {
    local description=$1 last_line=$2 output status
    shift 2
    output=$("$@" 2>&1)
    status=$?
    tests=$((tests + 1))
    sed 's/^/# /' <<<"$output"
    if [ "$status" -eq 0 ] && [ "$(tail -n 1 <<<"$output")" = "$last_line" ]; then
        echo "ok $tests - $description"
    else
        echo "not ok $tests - $description (exit status $status)"
        failures=$((failures + 1))
    fi
}

setup_done='setup: product "Example App" with role "member"; app example_web (member of example_app), operator example_operator, mailer example_mailer'
all_expected='every answer was the one expected'
check 'setup.sql, as a superuser' "$setup_done" \
    psql -X -v ON_ERROR_STOP=1 -f "$root/examples/psql/setup.sql"
check 'setup.sql again: it is re-runnable' "$setup_done" \
    psql -X -v ON_ERROR_STOP=1 -f "$root/examples/psql/setup.sql"
for run in first second; do
    check "psql: examples/psql/first_hour.sql ($run run)" "$all_expected" \
        psql -X -v ON_ERROR_STOP=1 -f "$root/examples/psql/first_hour.sql"
    check "Python: examples/python/first_hour.py ($run run)" "$all_expected" \
        /usr/bin/python3 "$root/examples/python/first_hour.py"
    check "Node.js: examples/node/first_hour.mjs ($run run)" "$all_expected" \
        node "$root/examples/node/first_hour.mjs"
done

echo "1..$tests"
[ "$failures" -eq 0 ]
