#!/usr/bin/env bash
# Moving in: auth_import_users in bulk. Run by bench/run (PG* name a throwaway server with
# the extension, as a superuser; BENCH_DIR is this directory).
# BENCH_IMPORT_USERS users (default 1,000,000; 20,000 with BENCH_QUICK=1), each with a
# bcrypt hash (the format of Auth0's and Supabase's exports), a full name and an email,
# in calls of BENCH_IMPORT_BATCH (default 5000) elements, each call committed on its own.
# Target: at least 20,000 users/s, an absolute figure from issue 14 recorded as a ratio to
# 20,000 (>= 1.0). Figures: the same rows by a plain INSERT into a bare table (what
# PostgreSQL alone does with them, for scale), and the size of auth.users and its indexes
# (and of the audit log) afterwards.
set -euo pipefail
source "$BENCH_DIR/lib.sh"
area="Bulk import"
db=bench_import_$$
users=${BENCH_IMPORT_USERS:-$(quick 20000 1000000)}
batch=${BENCH_IMPORT_BATCH:-5000}
createdb "$db"
trap 'dropdb --if-exists "$db" 2>/dev/null' EXIT
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
now() { date +%s.%N; }

step "data: $users users in calls of $batch, made as JSON arrays beforehand"
sql -v users="$users" -v batch="$batch" >/dev/null <<'SQL'
CREATE EXTENSION auth;
CREATE TABLE bench_batches AS
SELECT (i - 1) / :batch AS b,
       jsonb_agg(jsonb_build_object('email', 'user' || i || '@example.com',
                                    'password_hash', '$2b$10$j5go6vDd5UeCTnrrJX54feH4lK6J5wDtxtpu.RQm1.kWKKQFv2Uv.',
                                    'full_name', 'User ' || i, 'email_verified', true)) AS users
FROM generate_series(1, :users) i GROUP BY 1;
CREATE TABLE bench_bare (id bigserial PRIMARY KEY, email text, password_hash text, full_name text);
CREATE PROCEDURE bench_import() LANGUAGE plpgsql AS $$
DECLARE
    r record;
    refused bigint := 0;
BEGIN
    FOR r IN SELECT b, users FROM bench_batches ORDER BY b LOOP
        refused := refused + (SELECT count(*) FROM auth_import_users(r.users) WHERE error_code IS NOT NULL);
        COMMIT;
    END LOOP;
    IF refused > 0 THEN RAISE EXCEPTION '% users refused', refused; END IF;
END $$;
CREATE PROCEDURE bench_bare_insert() LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT b, users FROM bench_batches ORDER BY b LOOP
        INSERT INTO bench_bare (email, password_hash, full_name)
        SELECT e ->> 'email', e ->> 'password_hash', e ->> 'full_name' FROM jsonb_array_elements(r.users) e;
        COMMIT;
    END LOOP;
END $$;
VACUUM ANALYZE bench_batches;
SQL

step "auth_import_users"
start=$(now); sql -c 'CALL bench_import()'; end=$(now)
rate=$(awk -v n="$users" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }')
echo "auth_import_users: $users users in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s: $rate users/s"

step "plain INSERT of the same rows into a bare table"
start=$(now); sql -c 'CALL bench_bare_insert()'; end=$(now)
bare=$(awk -v n="$users" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }')
echo "plain INSERT: $bare users/s"

imported=$(sql -c 'SELECT count(*) FROM auth.users')
[ "$imported" = "$users" ] || { echo "only $imported of $users users imported"; exit 1; }
table_mb=$(sql -c "SELECT round(pg_table_size('auth.users') / 1048576.0, 1)")
index_mb=$(sql -c "SELECT round(pg_indexes_size('auth.users') / 1048576.0, 1)")
audit_mb=$(sql -c "SELECT round(pg_total_relation_size('auth.audit_log') / 1048576.0, 1)")
echo "auth.users: table $table_mb MiB, indexes $index_mb MiB; auth.audit_log $audit_mb MiB"

verdict=$(target "$area" "auth_import_users, $users users with bcrypt hashes in calls of $batch (users/s against the absolute target of 20,000/s)" \
    "$rate" 20000 "users/s" ">=" 1.0)
echo "ratio to 20,000 users/s: $(ratio3 "$rate" 20000) (target >= 1.0) $verdict"
figure "$area" "plain INSERT of the same rows into a bare table (for scale)" "$bare" "users/s"
figure "$area" "auth.users after the import: table" "$table_mb" MiB
figure "$area" "auth.users after the import: indexes" "$index_mb" MiB
figure "$area" "auth.audit_log after the import (one row per user)" "$audit_mb" MiB
