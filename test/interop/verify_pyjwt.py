"""Verifies the extension's JWTs with PyJWT, using only what a service would have: the
published JWKS (EdDSA) or the shared secret (HS256). Prints TAP."""
import base64
import json
import sys

import jwt
from jwt.algorithms import OKPAlgorithm

tokens_dir = sys.argv[1]
results = []


def read(name):
    with open(f"{tokens_dir}/{name}") as f:
        return f.read().strip()


def check(description, passed):
    results.append((description, bool(passed)))


def tampered(token):
    """The token with one character of its payload changed."""
    header, payload, signature = token.split(".")
    i = len(payload) // 2
    payload = payload[:i] + ("B" if payload[i] != "B" else "C") + payload[i + 1:]
    return ".".join([header, payload, signature])


def verifies(token, key, algorithms, audience="Interop App"):
    """The claims when PyJWT accepts the token as the product `audience` would."""
    try:
        return jwt.decode(token, key, algorithms=algorithms, issuer="auth", audience=audience,
                          options={"require": ["exp", "iat", "sub", "aud"]})
    except jwt.InvalidTokenError:
        return None


jwks = json.loads(read("jwks.json"))
keys = {k["kid"]: OKPAlgorithm.from_jwk(json.dumps(k)) for k in jwks["keys"]}
check("the JWKS holds two Ed25519 keys after one rotation",
      len(keys) == 2 and all(k["kty"] == "OKP" and k["crv"] == "Ed25519" for k in jwks["keys"]))
check("the JWKS publishes no private part", all("d" not in k for k in jwks["keys"]))

for name in ("eddsa.jwt", "eddsa_old.jwt"):
    token = read(name)
    header = jwt.get_unverified_header(token)
    check(f"{name}: the header names EdDSA and a published kid",
          header.get("alg") == "EdDSA" and header.get("kid") in keys)
    claims = verifies(token, keys.get(header.get("kid")), ["EdDSA"])
    check(f"{name}: PyJWT verifies it with the published key", claims is not None)
    check(f"{name}: PyJWT refuses it with one character changed",
          verifies(tampered(token), keys.get(header.get("kid")), ["EdDSA"]) is None)
    other = [k for kid, k in keys.items() if kid != header.get("kid")]
    check(f"{name}: PyJWT refuses it with the other published key",
          verifies(token, other[0], ["EdDSA"]) is None)

claims = verifies(read("eddsa.jwt"), keys[jwt.get_unverified_header(read("eddsa.jwt"))["kid"]], ["EdDSA"])
expected = json.loads(read("claims.json"))
check("the claims PyJWT reads are those auth_verify_jwt returns (but iat/exp)",
      {k: v for k, v in claims.items() if k not in ("iat", "exp")} ==
      {k: v for k, v in expected.items() if k not in ("iat", "exp")})
check("the claims name the product and its roles",
      claims["product"] == "Interop App" and claims["roles"] == ["editor"] and claims["tenant_roles"] == {})
check("exp is iat plus the 5-minute ttl", claims["exp"] - claims["iat"] == 300)
check("the audience is the product", claims["aud"] == "Interop App")
check("PyJWT refuses it as another product's service (wrong audience)",
      verifies(read("eddsa.jwt"), keys[jwt.get_unverified_header(read("eddsa.jwt"))["kid"]], ["EdDSA"],
               audience="Other App") is None)
check("no token for a product the user is not a member of", read("other_product.txt") == "NULL")

secret = bytes.fromhex(read("hs256.key"))
hs = read("hs256.jwt")
check("the HS256 token's header names HS256", jwt.get_unverified_header(hs).get("alg") == "HS256")
check("PyJWT verifies the HS256 token with the shared secret", verifies(hs, secret, ["HS256"]) is not None)
check("PyJWT refuses the HS256 token with one character changed",
      verifies(tampered(hs), secret, ["HS256"]) is None)
check("PyJWT refuses the HS256 token with a wrong secret",
      verifies(hs, bytes(32), ["HS256"]) is None)

for i, (description, passed) in enumerate(results, 1):
    print(f"{'ok' if passed else 'not ok'} {i} - {description}")
print(f"1..{len(results)}")
sys.exit(0 if all(p for _, p in results) else 1)
