#!/usr/bin/env bash
# TOTP against independent implementations: codes computed by Debian's oathtool and by
# Python's pyotp (python3-pyotp) for the current time are accepted by auth_mfa_confirm
# and auth_mfa_verify; a code of the previous and of the next step is accepted, two
# steps away refused; the otpauth:// URI parses with pyotp.parse_uri and gives the same
# codes. Codes are computed for the current time (no settable clock) and never in the
# last 2 seconds of a 30-second step. Prints TAP, for prove. Usage: totp.sh (libpq's PG*
# variables name the test server, as a superuser)
set -euo pipefail
db=totp_interop_$$
createdb "$db"
trap 'dropdb --if-exists --force "$db" 2>/dev/null' EXIT
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
n=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    n=$((n + 1))
    if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1 (expected '$2', got '$3')"; fail=1; fi
}
# Waits out the last 3 seconds of a step, so a code and its check share one step.
settle() { while [ $(( $(date +%s) % 30 )) -ge 27 ]; do sleep 1; done; }
oath() { oathtool --totp -b "$1" -N "@$(( $(date +%s) + 30 * ${2:-0} ))"; }  # oath SECRET [STEPS]
login() { sql -c "SELECT auth_login('$1', 'Interop passphrase 9')"; }

sql -c 'CREATE EXTENSION auth' -c "SET auth.mfa_issuer = 'Acme Payroll'" >/dev/null
sql -c "SELECT auth_create_user('ada+totp@example.com', 'Interop passphrase 9')" \
    -c "SELECT auth_create_user('bo@example.com', 'Interop passphrase 9')" >/dev/null

# Ada: a factor confirmed with pyotp's code, its URI read by pyotp.
ada=$(login 'ada+totp@example.com')
IFS='|' read -r factor secret uri <<<"$(sql -c "SET auth.mfa_issuer = 'Acme Payroll'" \
    -c "SELECT factor_id, secret, uri FROM auth_mfa_enroll_totp('$ada', 'Ada''s phone')")"
parsed=$(/usr/bin/python3 - "$uri" <<'PY'
import sys, pyotp
t = pyotp.parse_uri(sys.argv[1])
print(t.issuer, t.name, t.secret, t.digits, t.interval, t.digest().name, sep="|")
PY
)
check "pyotp.parse_uri reads the URI: issuer, account, secret, 6 digits, 30 s, SHA-1" \
    "Acme Payroll|ada+totp@example.com|$secret|6|30|sha1" "$parsed"
settle
from_uri=$(/usr/bin/python3 -c "import sys, pyotp; print(pyotp.parse_uri(sys.argv[1]).now())" "$uri")
check "the URI's pyotp gives the same code as oathtool with the base32 secret" "$(oath "$secret")" "$from_uri"
settle
code=$(/usr/bin/python3 -c "import sys, pyotp; print(pyotp.TOTP(sys.argv[1]).now())" "$secret")
check "pyotp's current code confirms the factor" t "$(sql -c "SELECT auth_mfa_confirm('$ada', $factor, '$code')")"
check "the session is now aal2" aal2 "$(sql -c "SELECT auth_session_aal('$ada')")"
ada2=$(login 'ada+totp@example.com')
settle
check "a code two steps ahead (oathtool) is refused" f "$(sql -c "SELECT auth_mfa_verify('$ada2', '$(oath "$secret" 2)')")"
check "a code two steps back is refused" f "$(sql -c "SELECT auth_mfa_verify('$ada2', '$(oath "$secret" -2)')")"
check "and the session stays aal1" aal1 "$(sql -c "SELECT auth_session_aal('$ada2')")"

# Bo: a factor confirmed with the previous step's code, then the current and the next.
bo=$(login 'bo@example.com')
IFS='|' read -r factor secret uri <<<"$(sql -c "SELECT factor_id, secret, uri FROM auth_mfa_enroll_totp('$bo')")"
settle
check "oathtool's code of the previous step confirms the factor" t \
    "$(sql -c "SELECT auth_mfa_confirm('$bo', $factor, '$(oath "$secret" -1)')")"
bo2=$(login 'bo@example.com')
settle
check "oathtool's code of the current step verifies" t "$(sql -c "SELECT auth_mfa_verify('$bo2', '$(oath "$secret")')")"
bo3=$(login 'bo@example.com')
settle
check "oathtool's code of the next step verifies" t "$(sql -c "SELECT auth_mfa_verify('$bo3', '$(oath "$secret" 1)')")"
check "pyotp and oathtool agree on the next step's code" "$(oath "$secret" 1)" \
    "$(/usr/bin/python3 -c "import sys, time, pyotp; print(pyotp.TOTP(sys.argv[1]).at(int(time.time()) + 30))" "$secret")"
bo4=$(login 'bo@example.com')
check "the next step's code again is a replay: refused" f "$(sql -c "SELECT auth_mfa_verify('$bo4', '$(oath "$secret" 1)')")"
echo "1..$n"
exit $fail
