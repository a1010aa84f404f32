#!/usr/bin/python3
"""A user's first hour, in Python: sign up, log in, check a role, issue a JWT and verify it
with the published JWKS (PyJWT), log out, reset the password through the outbox. Prints
what it did and the answers, and exits with status 1 at the first answer that is not the
one expected.

    /usr/bin/python3 examples/python/first_hour.py

against a database where examples/psql/setup.sql has run, named by libpq's PG* variables
(PGHOST, PGPORT, PGDATABASE, PGPASSWORD or ~/.pgpass). It connects as three roles, named
by EXAMPLE_APP_USER (default example_web), EXAMPLE_OPERATOR_USER (example_operator) and
EXAMPLE_MAILER_USER (example_mailer). Debian packages: python3-psycopg (psycopg 3),
python3-jwt, python3-cryptography. See docs/examples.md.

Every value is a bind parameter: psycopg 3 sends each %s value apart from the statement's
text, so no password or token is ever part of the SQL, nor of a logged statement.
"""
import os
import secrets
import sys
import time

import jwt  # PyJWT
import psycopg

PRODUCT = "Example App"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a new horse for a new battery"
ISSUER = "auth"  # auth.jwt_issuer, by default


def connect(variable, default):
    """A connection as the role the environment variable names; autocommit, so that each
    call is committed on its own (a login above all: a failed one counts toward the
    lockout only once committed)."""
    return psycopg.connect(user=os.environ.get(variable, default), autocommit=True)


def answer(conn, sql, params=()):
    """The one value the statement returns."""
    return conn.execute(sql, params).fetchone()[0]


def shown(value):
    """A boolean or NULL as SQL writes it: true, false, NULL."""
    return "NULL" if value is None else str(value).lower() if isinstance(value, bool) else value


def expect(ok, line):
    """Prints what was done; stops the program when the answer is not the one expected."""
    print(line, flush=True)
    if not ok:
        print("that answer is not the one expected", file=sys.stderr)
        sys.exit(1)


app = connect("EXAMPLE_APP_USER", "example_web")
operator = connect("EXAMPLE_OPERATOR_USER", "example_operator")
mailer = connect("EXAMPLE_MAILER_USER", "example_mailer")

# 1. The app signs a user up: a new email each run, so that the example runs again.
email = f"python-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}@example.com"
user_id = answer(app, "SELECT auth_create_user(%s, %s, %s, NULL, %s)", (email, PASSWORD, "Example User", PRODUCT))
print(f"app:      signed up {email} as user {user_id}")

# 2. It logs the user in and checks the session, as it would on each request.
token = answer(app, "SELECT auth_login(%s, %s, %s)", (email, PASSWORD, PRODUCT))
session_user = answer(app, "SELECT auth_session_user(%s)", (token,))
expect(token is not None and session_user == user_id,
       f"app:      logged in: a session token of {len(token or '')} characters; "
       f"auth_session_user gives user {session_user}")

# 3. Granting a role needs a product admin or an operator: an app may not grant roles.
# Here the operator (a member of auth_admin) does it.
granted = answer(operator, "SELECT auth_grant(%s, %s, %s)", (user_id, PRODUCT, "member"))
expect(granted is True, f"operator: granted the role member of {PRODUCT} to user {user_id}: {shown(granted)}")

# 4. The app checks the role.
has_role = answer(app, "SELECT auth_has_role(%s, %s, %s)", (user_id, PRODUCT, "member"))
expect(has_role is True, f"app:      auth_has_role({user_id}, '{PRODUCT}', 'member'): {shown(has_role)}")

# 5. It issues a JWT; a service verifies it with nothing but the published JWKS, checking
# the issuer and that the audience is its product.
token_jwt = answer(app, "SELECT auth_issue_jwt(%s, %s)", (token, PRODUCT))
jwks = jwt.PyJWKSet.from_dict(answer(app, "SELECT auth_jwks()"))  # jsonb arrives as a dict
try:
    kid = jwt.get_unverified_header(token_jwt)["kid"]
    claims = jwt.decode(token_jwt, jwks[kid].key, algorithms=["EdDSA"], issuer=ISSUER, audience=PRODUCT)
except (jwt.InvalidTokenError, KeyError) as error:
    expect(False, f"app:      PyJWT refused the JWT: {error!r}")
expect(claims["aud"] == PRODUCT and claims["sub"] == str(user_id) and "member" in claims["roles"],
       f"app:      issued a JWT; PyJWT verified it with the JWKS (kid {kid}): "
       f"aud {claims['aud']!r}, sub {claims['sub']!r}, roles {claims['roles']}")

# 6. It logs the user out: the session no longer gives a user.
logged_out = answer(app, "SELECT auth_logout(%s)", (token,))
session_user = answer(app, "SELECT auth_session_user(%s)", (token,))
expect(logged_out is True and session_user is None,
       f"app:      logged out: {shown(logged_out)}; auth_session_user now gives {shown(session_user)}")

# 7. The user forgot the password: the app asks for a reset. The token goes to the
# outbox, never to the app.
app.execute("SELECT auth_request_password_reset(%s)", (email,))
print(f"app:      asked for a password reset for {email}")

# 8. The mailer claims the mail and commits once it is sent (at least once: see
# docs/mailer.md). It claims every waiting message: a real mailer would send each; this
# one only counts the others, and keeps the token of ours, to play the user's click on
# the link.
with mailer.transaction():
    claimed = mailer.execute("SELECT kind, email, product, token FROM auth_outbox_claim(%s)", (100,)).fetchall()
ours = [m for m in claimed if m[0] == "password_reset" and m[1].lower() == email.lower()]
kind, to, product, reset_token = ours[0] if len(ours) == 1 else (None, None, None, "")
expect(len(ours) == 1,
       f"mailer:   claimed {len(claimed)} message(s); ours: {kind} to {to} for {product}, "
       f"link https://example.com/reset#{reset_token[:6]}…")

# 9. The app sets the new password with the token from the link.
reset = answer(app, "SELECT auth_reset_password(%s, %s)", (reset_token, NEW_PASSWORD))
expect(reset is True, f"app:      reset the password with the mailed token: {shown(reset)}")

# 10. The new password logs in; the old one no longer does.
token = answer(app, "SELECT auth_login(%s, %s, %s)", (email, NEW_PASSWORD, PRODUCT))
old = answer(app, "SELECT auth_login(%s, %s, %s)", (email, PASSWORD, PRODUCT))
expect(token is not None and old is None,
       f"app:      log in with the new password: {'a session' if token else 'NULL'}; "
       f"with the old one: {'a session' if old else 'NULL'}")
app.execute("SELECT auth_logout(%s)", (token,))

# 11. Clean up: 0.2.0 has no function that deletes a user, so the operator deactivates
# this one (which ends its sessions); its email stays taken, hence a new one each run.
operator.execute("SELECT auth_set_active(%s, %s)", (user_id, False))
print(f"operator: deactivated user {user_id}")
print("every answer was the one expected")
