#!/usr/bin/env bash
# Moving in: hashes made by independent implementations (Django's own hashers, passlib,
# hashlib following Keycloak's and ASP.NET Core Identity's layouts, Firebase's published
# test vector and hashlib's scrypt with AES-256-CTR from python3-cryptography) import,
# log in with the right password, refuse a wrong one and end as Argon2id; malformed
# variants give 22023 and the backend survives; scripts/import reads small sample exports
# of Keycloak, Django, Auth0 and Supabase made here. Prints TAP, for prove.
# Usage: migration.sh   (libpq's PG* variables name the server)
set -euo pipefail
db=hash_migration_$$
createdb "$db"
trap 'dropdb --if-exists "$db" 2>/dev/null' EXIT
psql -X -q -d "$db" -c 'CREATE EXTENSION auth'
export PGDATABASE=$db ROOT
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec /usr/bin/python3 "$ROOT/test/hashes/migration.py"
