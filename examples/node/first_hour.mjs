// A user's first hour, in Node.js: sign up, log in, check a role, issue a JWT and verify
// it with the published JWKS (jose), log out, reset the password through the outbox.
// Prints what it did and the answers, and exits with status 1 at the first answer that
// is not the one expected.
//
//     cd examples/node && npm ci && node first_hour.mjs
//
// against a database where examples/psql/setup.sql has run, named by libpq's PG*
// variables (PGHOST, PGPORT, PGDATABASE, PGPASSWORD), which pg reads too. It connects as
// three roles, named by EXAMPLE_APP_USER (default example_web), EXAMPLE_OPERATOR_USER
// (example_operator) and EXAMPLE_MAILER_USER (example_mailer). pg and jose come from npm,
// pinned by package-lock.json. See docs/examples.md.
//
// Every value is a bind parameter: pg sends the values of $1, $2… apart from the
// statement's text, so no password or token is ever part of the SQL, nor of a logged
// statement.
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import pg from 'pg';

const PRODUCT = 'Example App';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a new horse for a new battery';
const ISSUER = 'auth'; // auth.jwt_issuer, by default

// A connection as the role the environment variable names. No transaction is opened but
// where one is asked for, so each call is committed on its own (a login above all: a
// failed one counts toward the lockout only once committed).
async function connect(variable, fallback) {
  const client = new pg.Client({ user: process.env[variable] ?? fallback });
  await client.connect();
  return client;
}

// The one value the statement returns. pg gives a bigint as a string, jsonb parsed.
async function answer(client, text, values = []) {
  const { rows } = await client.query({ text, values, rowMode: 'array' });
  return rows[0][0];
}

// A boolean or NULL as SQL writes it.
const shown = (value) => (value === null || value === undefined ? 'NULL' : String(value));

// Prints what was done; stops the program when the answer is not the one expected.
function expect(ok, line) {
  console.log(line);
  if (!ok) {
    console.error('that answer is not the one expected');
    process.exit(1);
  }
}

const app = await connect('EXAMPLE_APP_USER', 'example_web');
const operator = await connect('EXAMPLE_OPERATOR_USER', 'example_operator');
const mailer = await connect('EXAMPLE_MAILER_USER', 'example_mailer');

// 1. The app signs a user up: a new email each run, so that the example runs again.
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const email = `node-${stamp}-${randomBytes(3).toString('hex')}@example.com`;
const userId = await answer(app, 'SELECT auth_create_user($1, $2, $3, NULL, $4)',
  [email, PASSWORD, 'Example User', PRODUCT]);
console.log(`app:      signed up ${email} as user ${userId}`);

// 2. It logs the user in and checks the session, as it would on each request.
let token = await answer(app, 'SELECT auth_login($1, $2, $3)', [email, PASSWORD, PRODUCT]);
let sessionUser = await answer(app, 'SELECT auth_session_user($1)', [token]);
expect(token !== null && sessionUser === userId,
  `app:      logged in: a session token of ${(token ?? '').length} characters; auth_session_user gives user ${shown(sessionUser)}`);

// 3. Granting a role needs a product admin or an operator: an app may not grant roles.
// Here the operator (a member of auth_admin) does it.
const granted = await answer(operator, 'SELECT auth_grant($1, $2, $3)', [userId, PRODUCT, 'member']);
expect(granted === true, `operator: granted the role member of ${PRODUCT} to user ${userId}: ${shown(granted)}`);

// 4. The app checks the role.
const hasRole = await answer(app, 'SELECT auth_has_role($1, $2, $3)', [userId, PRODUCT, 'member']);
expect(hasRole === true, `app:      auth_has_role(${userId}, '${PRODUCT}', 'member'): ${shown(hasRole)}`);

// 5. It issues a JWT; a service verifies it with nothing but the published JWKS, checking
// the issuer and that the audience is its product.
const jwt = await answer(app, 'SELECT auth_issue_jwt($1, $2)', [token, PRODUCT]);
const jwks = createLocalJWKSet(await answer(app, 'SELECT auth_jwks()'));
let claims, kid;
try {
  kid = decodeProtectedHeader(jwt).kid;
  ({ payload: claims } = await jwtVerify(jwt, jwks, { algorithms: ['EdDSA'], issuer: ISSUER, audience: PRODUCT }));
} catch (error) {
  expect(false, `app:      jose refused the JWT: ${error}`);
}
expect(claims.aud === PRODUCT && claims.sub === userId && claims.roles.includes('member'),
  `app:      issued a JWT; jose verified it with the JWKS (kid ${kid}): aud '${claims.aud}', sub '${claims.sub}', roles ${JSON.stringify(claims.roles)}`);

// 6. It logs the user out: the session no longer gives a user.
const loggedOut = await answer(app, 'SELECT auth_logout($1)', [token]);
sessionUser = await answer(app, 'SELECT auth_session_user($1)', [token]);
expect(loggedOut === true && sessionUser === null,
  `app:      logged out: ${shown(loggedOut)}; auth_session_user now gives ${shown(sessionUser)}`);

// 7. The user forgot the password: the app asks for a reset. The token goes to the
// outbox, never to the app.
await app.query('SELECT auth_request_password_reset($1)', [email]);
console.log(`app:      asked for a password reset for ${email}`);

// 8. The mailer claims the mail and commits once it is sent (at least once: see
// docs/mailer.md). It claims every waiting message: a real mailer would send each; this
// one only counts the others, and keeps the token of ours, to play the user's click on
// the link.
await mailer.query('BEGIN');
let claimed;
try {
  ({ rows: claimed } = await mailer.query('SELECT kind, email, product, token FROM auth_outbox_claim($1)', [100]));
  await mailer.query('COMMIT');
} catch (error) {
  await mailer.query('ROLLBACK');
  throw error;
}
const ours = claimed.filter((m) => m.kind === 'password_reset' && m.email.toLowerCase() === email.toLowerCase());
const mail = ours.length === 1 ? ours[0] : { token: '' };
expect(ours.length === 1,
  `mailer:   claimed ${claimed.length} message(s); ours: ${mail.kind} to ${mail.email} for ${mail.product}, link https://example.com/reset#${mail.token.slice(0, 6)}…`);

// 9. The app sets the new password with the token from the link.
const reset = await answer(app, 'SELECT auth_reset_password($1, $2)', [mail.token, NEW_PASSWORD]);
expect(reset === true, `app:      reset the password with the mailed token: ${shown(reset)}`);

// 10. The new password logs in; the old one no longer does.
token = await answer(app, 'SELECT auth_login($1, $2, $3)', [email, NEW_PASSWORD, PRODUCT]);
const old = await answer(app, 'SELECT auth_login($1, $2, $3)', [email, PASSWORD, PRODUCT]);
expect(token !== null && old === null,
  `app:      log in with the new password: ${token ? 'a session' : 'NULL'}; with the old one: ${old ? 'a session' : 'NULL'}`);
await app.query('SELECT auth_logout($1)', [token]);

// 11. Clean up: 0.2.0 has no function that deletes a user, so the operator deactivates
// this one (which ends its sessions); its email stays taken, hence a new one each run.
await operator.query('SELECT auth_set_active($1, $2)', [userId, false]);
console.log(`operator: deactivated user ${userId}`);
console.log('every answer was the one expected');
await Promise.all([app.end(), operator.end(), mailer.end()]);
