#!/usr/bin/env bash
# Password timing and cost. Run by bench/run (PG* name a throwaway server with the
# extension, as a superuser; BENCH_DIR is this directory).
#  1. Equal timing: median server-side time of auth_login and auth_verify_password for
#     every kind of refusal (an unknown email, an email holding an invisible character,
#     an inactive user, a locked user, a password longer than any that can be set) as a
#     ratio to a wrong password (the baseline, measured in the same run, interleaved call
#     by call); the proper passphrase against a
#     wrong one; and, called by a product's app (a confined client), a user of another
#     product with the proper passphrase against a user of its own. Target: every ratio
#     within 0.90-1.10. Every refusal goes through the failure recorder (a background
#     worker's commit), as a wrong password does.
#  2. Cost per login at a few Argon2id settings: median ms of a verification (of
#     BENCH_COST_SAMPLES, default 10), and the backend's peak memory growth (VmHWM) during
#     one hash, in MiB; plotted against the memory setting.
#  3. Logins per second with 4 clients, at the default cost and auth.max_concurrent_hashes.
# BENCH_ROUNDS (default 40) calls per case; BENCH_QUICK=1 makes every count small.
set -euo pipefail
source "$BENCH_DIR/lib.sh"
area=Passwords
db=bench_passwords_$$
rounds=${BENCH_ROUNDS:-$(quick 4 40)}
samples=${BENCH_COST_SAMPLES:-$(quick 3 10)}
createdb "$db"
trap 'dropdb --if-exists "$db" 2>/dev/null' EXIT
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
sql -c 'CREATE EXTENSION auth'
# No lockout for the wrong-password user: its failures must all be measured as failures.
sql <<'SQL' >/dev/null
SELECT auth_create_user('right@example.com', 'the proper passphrase');
SELECT auth_create_user('wrong@example.com', 'the proper passphrase');
SELECT auth_create_user('inactive@example.com', 'the proper passphrase');
SELECT auth_create_user('locked@example.com', 'the proper passphrase');
UPDATE auth.users SET is_active = false WHERE email = 'inactive@example.com';
-- Locked the way an attacker locks an account: one failure with a limit of one, for a day.
SET auth.max_failed_logins = 1;
SET auth.lockout_duration = '1d';
SELECT auth_verify_password('locked@example.com', 'a wrong password!!');
RESET auth.max_failed_logins;
RESET auth.lockout_duration;
-- The Payroll app, and Accounting's user it must not see.
SELECT auth_create_product('Bench Payroll'), auth_create_product('Bench Accounting');
SELECT auth_set_membership(auth_user_id('right@example.com'), 'Bench Payroll', 'active');
SELECT auth_create_user('elsewhere@example.com', 'the proper passphrase', product => 'Bench Accounting');
DO $$ BEGIN CREATE ROLE bench_payroll_app NOLOGIN IN ROLE auth_client; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SELECT auth_set_app_role('Bench Payroll', 'bench_payroll_app');
CREATE TABLE timings (fn text, kind text, ms float8);
-- One call's server-side time in ms, made by the current role or by caller.
CREATE FUNCTION timed(call text, caller text DEFAULT NULL) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; ms float8;
BEGIN
    IF caller IS NOT NULL THEN EXECUTE format('SET ROLE %I', caller); END IF;
    t0 := clock_timestamp();
    EXECUTE call;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    IF caller IS NOT NULL THEN RESET ROLE; END IF;
    RETURN ms;
END $$;
SQL

step "equal timing: median ms over $rounds calls each, ratio to a wrong password"
echo "-- (auth.max_failed_logins = 0 in this run, so wrong passwords are never locked out)"
sql <<SQL
SET auth.max_failed_logins = 0;
-- Warm up: plans and the first Argon2 allocation.
SELECT timed(\$\$SELECT auth_login('right@example.com', 'the proper passphrase')\$\$) \g /dev/null
DO \$\$
DECLARE
    cases text[][] := ARRAY[
        ['right',         'right@example.com',    'the proper passphrase'],
        ['wrong',         'wrong@example.com',    'a wrong password!!'],
        ['unknown email', 'nobody@example.com',   'the proper passphrase'],
        ['inactive',      'inactive@example.com', 'the proper passphrase'],
        ['locked',        'locked@example.com',   'the proper passphrase'],
        ['too long',      'wrong@example.com',    repeat('x', 5000)],
        ['invisible',     'wrong' || chr(8203) || '@example.com', 'the proper passphrase']];
    fn text;
    i int;
    c int;
BEGIN
    FOR i IN 1..$rounds LOOP
        FOREACH fn IN ARRAY ARRAY['auth_login', 'auth_verify_password'] LOOP
            FOR c IN 1..array_length(cases, 1) LOOP
                INSERT INTO timings VALUES (fn, cases[c][1],
                    timed(format('SELECT %s(%L, %L)', fn, cases[c][2], cases[c][3])));
            END LOOP;
            -- As the Payroll app: its own user, and a user of another product.
            INSERT INTO timings VALUES (fn || ' (app)', 'right',
                timed(format('SELECT %s(%L, %L)', fn, 'right@example.com', 'the proper passphrase'), 'bench_payroll_app'));
            INSERT INTO timings VALUES (fn || ' (app)', 'other product',
                timed(format('SELECT %s(%L, %L)', fn, 'elsewhere@example.com', 'the proper passphrase'), 'bench_payroll_app'));
        END LOOP;
    END LOOP;
END \$\$;
\pset tuples_only off
\pset format aligned
\pset footer off
WITH m AS (SELECT fn, kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median FROM timings GROUP BY 1, 2)
SELECT m.fn AS function, m.kind AS case, round(m.median::numeric, 2) AS median_ms,
       round((m.median / r.median)::numeric, 3) AS ratio_to_baseline,
       CASE WHEN m.median / r.median BETWEEN 0.9 AND 1.1 THEN 'within 10%' ELSE 'OUTSIDE 10%' END AS target
FROM m JOIN m r ON r.fn = m.fn AND r.kind = CASE WHEN m.fn LIKE '%(app)' THEN 'right' ELSE 'wrong' END
ORDER BY 1, array_position(ARRAY['wrong', 'right', 'unknown email', 'invisible', 'inactive', 'locked', 'too long', 'other product'], m.kind);
SQL
# The same medians as targets: each case against the proper passphrase, within 10%.
sql -F $'\t' <<'SQL' |
WITH m AS (SELECT fn, kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median FROM timings GROUP BY 1, 2)
SELECT m.fn, m.kind, round(m.median::numeric, 3), round(r.median::numeric, 3), r.kind
FROM m JOIN m r ON r.fn = m.fn AND r.kind = CASE WHEN m.fn LIKE '%(app)' THEN 'right' ELSE 'wrong' END
WHERE m.kind <> r.kind
ORDER BY 1, array_position(ARRAY['right', 'unknown email', 'invisible', 'inactive', 'locked', 'too long', 'other product'], m.kind);
SQL
while IFS=$'\t' read -r fn kind median baseline baseline_kind; do
    case $baseline_kind in
        wrong) baseline_kind="a wrong password" ;;
        right) baseline_kind="the proper passphrase" ;;
    esac
    case $kind in
        right) kind="the proper passphrase" ;;
        'too long') kind="a password longer than any that can be set" ;;
        invisible) kind="an email holding an invisible character" ;;
        'unknown email') kind="an unknown email" ;;
        inactive) kind="an inactive user" ;;
        locked) kind="a locked user" ;;
        'other product') kind="a user of another product" ;;
    esac
    target "$area" "$fn, $kind vs $baseline_kind (median of $rounds)" "$median" "$baseline" ms within 0.90-1.10 >/dev/null
done

echo
step "cost per verification at a few settings (one backend, median of $samples; peak memory from /proc VmHWM)"
printf '%-28s %10s %14s\n' setting median_ms peak_growth_MiB
plot_def argon2 "Password check time vs Argon2id memory (one backend)" \
    "auth.pwhash_memlimit, MiB (log scale)" "median ms per auth_verify_password" logx
for setting in "2 19MB" "2 64MB" "2 256MB" "3 64MB" "3 256MB"; do
    set -- $setting
    progress "cost at opslimit=$1 memlimit=$2"
    out=$(sql <<SQL
SET auth.pwhash_opslimit = $1;
SET auth.pwhash_memlimit = '$2';
-- The backend's peak resident memory (kB), read from /proc by the server itself.
CREATE TEMP VIEW hwm AS SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status')
                                         FROM 'VmHWM:\s+(\d+) kB')::bigint AS kb;
SELECT kb AS before_kb FROM hwm \gset
SELECT auth_create_user('cost-$1-$2@example.com', 'the proper passphrase') \g /dev/null
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY timed(format('SELECT auth_verify_password(%L, %L)',
             'cost-$1-$2@example.com', 'the proper passphrase')))::numeric, 1)
       || ' ' || round(((SELECT kb FROM hwm) - :before_kb) / 1024.0, 1)
FROM generate_series(1, $samples);
SQL
)
    printf '%-28s %10s %14s\n' "opslimit=$1 memlimit=$2" ${out% *} ${out#* }
    figure "$area" "Argon2id t=$1, ${2%MB} MiB: one password check (auth_verify_password, median of $samples)" "${out% *}" ms
    figure "$area" "Argon2id t=$1, ${2%MB} MiB: the backend's peak memory growth during one hash" "${out#* }" MiB
    point argon2 "opslimit (t) = $1" "${2%MB}" "${out% *}"
done

echo
cores=$(sql -c 'SHOW auth.max_concurrent_hashes')
seconds=$(quick 2 5)
step "logins per second, 4 clients, default cost, auth.max_concurrent_hashes = $cores (pgbench, $seconds s)"
script=$(mktemp)
echo "SELECT auth_login('right@example.com', 'the proper passphrase');" >"$script"
out=$(pgbench -n -M prepared -c 4 -j 2 -T "$seconds" -f "$script" "$db" 2>/dev/null | grep -E "^(tps|latency average)")
rm -f "$script"
echo "$out"
figure "$area" "auth_login, 4 clients, default cost, $cores hashes at once: logins per second" \
    "$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")" "logins/s"
figure "$area" "auth_login, 4 clients, default cost: average latency" \
    "$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")" ms
