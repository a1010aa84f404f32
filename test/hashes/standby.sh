#!/usr/bin/env bash
# On a hot standby auth_verify_password still checks passwords, and neither upgrades a
# hash nor counts a failure; auth_login refuses with 25006. Makes a streaming standby of
# the server the PG* variables name (pg_basebackup), with the library preloaded.
# Prints TAP, for prove.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
db=standby_check_$$
dir=$(mktemp -d /tmp/auth-standby.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
primary=(-h "$PGHOST" -p "$PGPORT")
cleanup() {
    [ -f "$dir/data/postmaster.pid" ] && as_server_owner pg_ctl -D "$dir/data" -m fast -w -s stop
    rm -rf "$dir"
    dropdb "${primary[@]}" --if-exists "$db" 2>/dev/null
}
trap cleanup EXIT
on_primary() { psql -X -q -At -v ON_ERROR_STOP=1 "${primary[@]}" -d "$db" "$@"; }
on_standby() { psql -X -q -At -h "$dir" -p "$PGPORT" -d "$db" "$@"; }

createdb "${primary[@]}" "$db"
on_primary -c 'CREATE EXTENSION auth' \
    -c "SELECT auth_create_user('standby@example.com', 'standby-password')" >/dev/null
# New hashes at 3 passes: the stored one (2 passes) is due for an upgrade.
on_primary -c "ALTER DATABASE $db SET auth.pwhash_opslimit = 3"
as_server_owner pg_basebackup -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -D "$dir/data" -R -X stream -c fast >/dev/null
as_server_owner pg_ctl -D "$dir/data" -l "$dir/server.log" -w -s \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c shared_preload_libraries=auth -c hot_standby=on" start

n=0
tap() {  # tap CONDITION DESCRIPTION
    n=$((n + 1))
    if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
id=$(on_primary -c "SELECT auth_user_id('standby@example.com')")
hash_before=$(on_primary -c "SELECT password_hash FROM auth.users WHERE id = $id")
tap '[ "$(on_standby -c "SELECT pg_is_in_recovery()")" = t ]' "the standby is in recovery"
tap '[ "$(on_standby -c "SELECT auth_verify_password('"'standby@example.com'"', '"'standby-password'"')")" = "$id" ]' \
    "auth_verify_password accepts the right password on the standby"
tap '[ "$(on_standby -c "SELECT coalesce(auth_verify_password('"'standby@example.com'"', '"'wrong-password'"'), 0)")" = 0 ]' \
    "and refuses a wrong one"
tap '[ "$(on_standby -c "SELECT password_hash FROM auth.users WHERE id = $id")" = "$hash_before" ]' \
    "the hash due for an upgrade is left as it was"
tap '[ "$(on_standby -c "SELECT failed_logins FROM auth.users WHERE id = $id")" = 0 ]' "the failure was not counted"
out=$(on_standby -v VERBOSITY=verbose -c "SELECT auth_login('standby@example.com', 'standby-password')" 2>&1 || true)
tap '[[ "$out" == *25006* ]]' "auth_login refuses with 25006 on the standby"
tap '[ "$(on_primary -c "SELECT auth_verify_password('"'standby@example.com'"', '"'standby-password'"')")" = "$id" ]' \
    "on the primary the same check succeeds"
tap '[[ "$(on_primary -c "SELECT password_hash FROM auth.users WHERE id = $id")" == *'"'"'t=3'"'"'* ]]' \
    "and upgrades the hash to the current cost"
echo "1..$n"
