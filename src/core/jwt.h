// JSON Web Tokens (RFC 7519) in compact JWS form (RFC 7515), signed with Ed25519
// (EdDSA, RFC 8037) or HMAC-SHA-256 (HS256), and public keys as JWK (RFC 7517).
// libsodium does the cryptography, nlohmann-json the JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/secret.h"

namespace auth::core::jwt {

enum class Algorithm { eddsa, hs256 };

// "EdDSA" or "HS256" as the JOSE header names them; nullopt for any other name.
std::optional<Algorithm> algorithm_named(std::string_view name);
const char* algorithm_name(Algorithm algorithm);

// The longest token verify looks at; anything longer is refused unread.
inline constexpr std::size_t kMaxTokenChars = 65536;

// New secret key material from the system's random source: a libsodium Ed25519 secret
// key (64 bytes, seed and public key) for EdDSA, 32 random bytes for HS256.
Secret new_secret_key(Algorithm algorithm);

// The Ed25519 public key (32 bytes) of an EdDSA secret key (64 bytes, else 22023).
// HS256 keys have no public part: callers ask for EdDSA keys only.
std::string eddsa_public_key(std::string_view secret_key);

// A compact JWS: header {"alg", "kid", "typ": "JWT"}, the claims (a JSON object, written
// again compactly), signed with secret_key. Throws core::Error for claims that are not a
// JSON object or a key of the wrong size.
std::string sign(Algorithm algorithm, std::string_view kid, std::string_view claims_json,
                 std::string_view secret_key);

// The "kid" of a token's header, or nullopt when the token is not three well-formed
// base64url parts with a JSON object header holding a string kid. Never throws.
std::optional<std::string> key_id(std::string_view token);

// The token's claims (a JSON object, written compactly) when its header names exactly
// this algorithm, its signature verifies with key (the Ed25519 public key, or the HS256
// secret), it holds an integer exp later than now, and its iat and nbf (when present) are
// integers no later than now plus a minute of clock skew, and no string in it holds a NUL
// character (\u0000: no PostgreSQL text can hold one). nullopt for anything else, and
// never throws. now is in seconds since the Unix epoch.
std::optional<std::string> verified_claims(std::string_view token, Algorithm algorithm,
                                           std::string_view key, std::int64_t now);

// An Ed25519 public key as an RFC 7517 JWK: {"kty":"OKP","crv":"Ed25519","x",
// "kid","alg":"EdDSA","use":"sig"}.
std::string public_jwk(std::string_view kid, std::string_view public_key);

}  // namespace auth::core::jwt
