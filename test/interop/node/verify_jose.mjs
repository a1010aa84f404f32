// Verifies the extension's EdDSA JWTs with jose, using only the published JWKS, as a
// service would. Prints TAP.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

const dir = process.argv[2];
const read = (name) => readFileSync(`${dir}/${name}`, 'utf8').trim();
const results = [];
const check = (description, passed) => results.push([description, Boolean(passed)]);

// The token with one character of its payload changed.
function tampered(token) {
  const [header, payload, signature] = token.split('.');
  const i = Math.floor(payload.length / 2);
  const swapped = payload[i] === 'B' ? 'C' : 'B';
  return [header, payload.slice(0, i) + swapped + payload.slice(i + 1), signature].join('.');
}

async function verifies(token, keySet) {
  try {
    const { payload } = await jwtVerify(token, keySet, { issuer: 'auth', audience: 'Interop App', algorithms: ['EdDSA'] });
    return payload;
  } catch {
    return null;
  }
}

const jwks = JSON.parse(read('jwks.json'));
const keySet = createLocalJWKSet(jwks);
check('the JWKS holds two keys after one rotation', jwks.keys.length === 2);

for (const name of ['eddsa.jwt', 'eddsa_old.jwt']) {
  const token = read(name);
  check(`${name}: the header names EdDSA`, decodeProtectedHeader(token).alg === 'EdDSA');
  const payload = await verifies(token, keySet);
  check(`${name}: jose verifies it with the published JWKS`, payload !== null);
  check(`${name}: jose refuses it with one character changed`, (await verifies(tampered(token), keySet)) === null);
}

const payload = await verifies(read('eddsa.jwt'), keySet);
const expected = JSON.parse(read('claims.json'));
check('the claims jose reads are those auth_verify_jwt returns (but iat/exp)',
  ['iss', 'sub', 'email', 'product', 'sid'].every((k) => payload[k] === expected[k]) &&
  JSON.stringify(payload.roles) === JSON.stringify(expected.roles));
check('jose refuses the HS256 token when EdDSA is expected', (await verifies(read('hs256.jwt'), keySet)) === null);
const unsignedToken = [Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url'),
  read('eddsa.jwt').split('.')[1], ''].join('.');
check('jose refuses the payload re-sent with alg none', (await verifies(unsignedToken, keySet)) === null);

results.forEach(([description, passed], i) => console.log(`${passed ? 'ok' : 'not ok'} ${i + 1} - ${description}`));
console.log(`1..${results.length}`);
process.exit(results.every(([, passed]) => passed) ? 0 : 1);
