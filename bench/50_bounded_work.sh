#!/usr/bin/env bash
# Bounded work. Run by bench/run (PG* name a throwaway server with the extension, as a
# superuser; BENCH_DIR is this directory).
#  1. Grants elsewhere: auth_has_role for a user who also holds 1000 grants in each of five
#     other products (the most auth.max_grants_per_user allows by default), against the
#     same question for a user with no grants elsewhere (the baseline). pgbench, 2 clients,
#     prepared, alternating sides in BENCH_ROUNDS rounds of BENCH_SECONDS seconds (default
#     5 x 3 s); the median time per check. Target: at most 1.1x.
#  2. What checks cost against imported hashes at the edge of the bound (figures): one
#     auth.password_matches each (the best of BENCH_COST_SAMPLES, default 3).
set -euo pipefail
source "$BENCH_DIR/lib.sh"
area="Bounded work"
db=bench_bounded_$$
seconds=${BENCH_SECONDS:-$(quick 1 3)}
rounds=${BENCH_ROUNDS:-$(quick 2 5)}
samples=${BENCH_COST_SAMPLES:-$(quick 1 3)}
createdb "$db"
trap 'dropdb --if-exists "$db" 2>/dev/null; rm -f "$db".*.sql' EXIT
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

step "data: a product with 4 roles; five other products with 1000 roles each"
sql >/dev/null <<'SQL'
CREATE EXTENSION auth;
SELECT auth_create_product('Here');
SELECT auth_create_role('Here', 'role' || i) FROM generate_series(1, 4) i;
SELECT auth_role_inherit('Here', 'role1', 'role2');
SELECT auth_create_product('Elsewhere ' || p) FROM generate_series(1, 5) p;
-- The other products' roles, written directly (5,000 calls of auth_create_role are slow).
INSERT INTO auth.roles (product_id, name)
SELECT pr.id, 'other' || i FROM auth.products pr, generate_series(1, 1000) i WHERE pr.name LIKE 'Elsewhere %';
SELECT auth_create_user('plain@example.com', 'plain-password', product => 'Here');
SELECT auth_create_user('busy@example.com', 'busy-password', product => 'Here');
SELECT auth_grant(auth_user_id(e), 'Here', 'role1') FROM unnest(ARRAY['plain@example.com', 'busy@example.com']) e;
-- 1000 grants in each of the five other products, through auth_grant as an app would.
SELECT count(auth_grant(auth_user_id('busy@example.com'), pr.name, r.name))
FROM auth.roles r JOIN auth.products pr ON pr.id = r.product_id WHERE pr.name LIKE 'Elsewhere %';
ANALYZE;
SQL
echo "grants of the busy user: $(sql -c "SELECT count(*) FROM auth.user_roles WHERE user_id = auth_user_id('busy@example.com')")"

plain=$(sql -c "SELECT auth_user_id('plain@example.com')")
busy=$(sql -c "SELECT auth_user_id('busy@example.com')")
# Half the questions are yes (role2, through role1), half no (role4).
for who in plain busy; do
    id=${!who}
    printf '\\set r random(0, 1)\nSELECT auth_has_role(%s, '"'"'Here'"'"', CASE WHEN :r = 0 THEN '"'"'role2'"'"' ELSE '"'"'role4'"'"' END);\n' "$id" >"$db.$who.sql"
done
[ "$(sql -c "SELECT auth_has_role($busy, 'Here', 'role2') AND NOT auth_has_role($busy, 'Here', 'role4') AND auth_has_role($plain, 'Here', 'role2')")" = t ] ||
    { echo "the checks answer wrongly"; exit 1; }

step "auth_has_role: $rounds rounds of $seconds s per side, 2 clients"
tps() { pgbench -n -M prepared -c 2 -j 2 -T "$seconds" -f "$1" "$db" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
plain_us=() busy_us=()
for round in $(seq "$rounds"); do
    p=$(tps "$db.plain.sql") b=$(tps "$db.busy.sql")
    plain_us+=("$(awk -v t="$p" 'BEGIN { printf "%.3f", 1e6 / t }')")
    busy_us+=("$(awk -v t="$b" 'BEGIN { printf "%.3f", 1e6 / t }')")
    echo "round $round: no grants elsewhere $p checks/s, 5 x 1000 grants elsewhere $b checks/s"
done
plain_median=$(printf '%s\n' "${plain_us[@]}" | median)
busy_median=$(printf '%s\n' "${busy_us[@]}" | median)
echo "median time per check (2 clients): $plain_median µs alone, $busy_median µs with 5,000 grants elsewhere"
target "$area" "auth_has_role, 1000 grants in each of five other products vs none (median of $rounds)" \
    "$busy_median" "$plain_median" µs "<=" 1.1

step "checks against imported hashes at the edge of the bound (best of $samples)"
# A check's time in ms: the best of $samples.
check_ms() {  # check_ms PASSWORD_SQL HASH
    sql -c "SELECT min(ms) FROM (SELECT (extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric(10,1) AS ms
            FROM generate_series(1, $samples) i,
                 LATERAL (SELECT clock_timestamp() AS t0) s,
                 LATERAL (SELECT auth.password_matches($1, '$2', true) OFFSET 0) m) x"
}
report() {  # report WHAT PASSWORD_SQL HASH
    local ms
    ms=$(check_ms "$2" "$3")
    echo "$1: $ms ms"
    figure "$area" "one check: $1" "$ms" ms
}
report "sha512-crypt, 656,000 rounds (passlib's default), 64-byte password" "repeat('b', 64)" \
    '$6$rounds=656000$boundedworksalt2$OvThGJF1Weo4fp2KwIa.rtfZfYmOSlobNZ6csMO.bhpgmDzeTK.HCNdhTkaTB6krMxRhaxkUN7ne3zYgqoWTx1'
report "sha512-crypt, 656,000 rounds, 400-byte password (refused after decoy work)" "repeat('a', 400)" \
    '$6$rounds=656000$boundedworksalt1$pw5HgqfI9u3pMu4jDRoq8fsb2fhE.px7p/CmAOabRxhI9HzAsWlUel9VKDNeQFmJ3JXYQhsTU88TOZyWxNhb1/'
report "sha512-crypt, 656,000 rounds, 511-byte password with a 2-byte NFKC expansion (refused)" "repeat('a', 300) || repeat('ﬀ', 70)" \
    '$6$rounds=656000$boundedworksalt1$pw5HgqfI9u3pMu4jDRoq8fsb2fhE.px7p/CmAOabRxhI9HzAsWlUel9VKDNeQFmJ3JXYQhsTU88TOZyWxNhb1/'
report "sha512-crypt, 1,000,000 rounds (the most importable), 64-byte password" "repeat('c', 64)" \
    '$6$rounds=1000000$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1'
report "bcrypt cost 13 (the most importable)" "'a password'" '$2b$13$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y'
report "yescrypt, 256 MiB (the most importable)" "'a password'" '$y$jDT$Mpuw6gNmzp18XSNphGV/60$Tsv1nTBLN8Lj1/KJlhQQ1vok74zr6fpwb6sfbiY8LY.'
report "Argon2id, 256 MiB, t=3 (libsodium's MODERATE)" "'a password'" \
    '$argon2id$v=19$m=262144,t=3,p=1$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg'
report "Argon2id at the default cost (64 MiB, t=2), for comparison" "'a password'" \
    "$(sql -c "SELECT auth.hash_password('another password')")"
