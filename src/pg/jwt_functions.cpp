// SQL entry points for JWTs and their keys (internal: schema auth). The SQL side
// (src/sql/65_jwt.sql) picks the key and builds the claims; these sign, verify and
// publish, through src/core/jwt.
#include "pg/postgres_headers.h"

#include "core/error.h"
#include "core/jwt.h"
#include "pg/border.h"
#include "pg/settings.h"
#include "pg/values.h"

using namespace auth;
using core::jwt::Algorithm;

namespace {

// The algorithm a key row names: "EdDSA" or "HS256", else 22023.
Algorithm algorithm_of(const pg::TextArg& name) {
    const auto algorithm = core::jwt::algorithm_named(name.view());
    if (!algorithm) throw core::Error(core::ErrorKind::invalid_value, "algorithm must be EdDSA or HS256");
    return *algorithm;
}

// Seconds since the Unix epoch of a timestamptz.
std::int64_t unix_seconds(TimestampTz at) {
    constexpr std::int64_t kUnixEpochInPostgres =
        static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    std::int64_t seconds = at / USECS_PER_SEC;
    if (at < 0 && at % USECS_PER_SEC != 0) seconds--;  // floor, before 2000 too
    return seconds + kUnixEpochInPostgres;
}

}  // namespace

// auth.new_signing_secret(algorithm text) RETURNS bytea: new secret key material from
// the system's random source (Ed25519 secret key, or an HS256 secret of 32 bytes).
AUTH_SQL_FUNCTION(auth_new_signing_secret) {
    const pg::TextArg name = pg::text_arg(fcinfo, 0);
    const core::Secret secret = core::jwt::new_secret_key(algorithm_of(name));
    return pg::bytea_datum(reinterpret_cast<const unsigned char*>(secret.view().data()), secret.view().size());
}

// auth.signing_public_key(algorithm text, secret bytea) RETURNS bytea: the Ed25519
// public key of an EdDSA secret key; NULL for HS256, which has none.
AUTH_SQL_FUNCTION(auth_signing_public_key) {
    const pg::TextArg name = pg::text_arg(fcinfo, 0);
    const pg::TextArg secret = pg::text_arg(fcinfo, 1);
    const pg::WipeOnExit wipe(secret);
    if (algorithm_of(name) != Algorithm::eddsa) PG_RETURN_NULL();
    const std::string public_key = core::jwt::eddsa_public_key(secret.view());
    return pg::bytea_datum(reinterpret_cast<const unsigned char*>(public_key.data()), public_key.size());
}

// auth.jwt_sign(algorithm text, kid text, claims text, secret bytea) RETURNS text: a
// compact JWS of the claims (a JSON object).
AUTH_SQL_FUNCTION(auth_jwt_sign) {
    const pg::TextArg name = pg::text_arg(fcinfo, 0);
    const pg::TextArg kid = pg::text_arg(fcinfo, 1);
    const pg::TextArg claims = pg::text_arg(fcinfo, 2);
    const pg::TextArg secret = pg::text_arg(fcinfo, 3);
    const pg::WipeOnExit wipe(secret);
    const std::string token = core::jwt::sign(algorithm_of(name), kid.view(), claims.view(), secret.view());
    return pg::text_datum(token);
}

// auth.jwt_key_id(jwt text) RETURNS text: the kid of a well-formed token's header, or
// NULL; never an error.
AUTH_SQL_FUNCTION(auth_jwt_key_id) {
    const pg::TextArg token = pg::text_arg(fcinfo, 0);
    const auto kid = core::jwt::key_id(token.view());
    if (!kid) PG_RETURN_NULL();
    return pg::text_datum(*kid);
}

// auth.jwt_verified_claims(jwt text, algorithm text, key bytea, now timestamptz)
// RETURNS text: the claims when the token is signed with key under exactly this
// algorithm and is not expired at now; NULL for anything else, never an error.
AUTH_SQL_FUNCTION(auth_jwt_verified_claims) {
    const pg::TextArg token = pg::text_arg(fcinfo, 0);
    const pg::TextArg name = pg::text_arg(fcinfo, 1);
    const pg::TextArg key = pg::text_arg(fcinfo, 2);
    const TimestampTz now = PG_GETARG_TIMESTAMPTZ(3);
    const pg::WipeOnExit wipe_key(key);
    const auto algorithm = core::jwt::algorithm_named(name.view());
    if (!algorithm) PG_RETURN_NULL();
    const auto claims = core::jwt::verified_claims(token.view(), *algorithm, key.view(), unix_seconds(now));
    if (!claims) PG_RETURN_NULL();
    return pg::text_datum(*claims);
}

// auth.public_jwk(kid text, public_key bytea) RETURNS text: an Ed25519 public key as
// an RFC 7517 JWK.
AUTH_SQL_FUNCTION(auth_public_jwk) {
    const pg::TextArg kid = pg::text_arg(fcinfo, 0);
    const pg::TextArg public_key = pg::text_arg(fcinfo, 1);
    return pg::text_datum(core::jwt::public_jwk(kid.view(), public_key.view()));
}

// The JWT settings, for the SQL functions. Read here rather than with current_setting(),
// they work in a backend that has not loaded the library yet (the call loads it).

// auth.jwt_algorithm() RETURNS text
AUTH_SQL_FUNCTION(auth_jwt_algorithm) { return pg::text_datum(pg::jwt_algorithm()); }

// auth.jwt_issuer() RETURNS text
AUTH_SQL_FUNCTION(auth_jwt_issuer) { return pg::text_datum(pg::jwt_issuer()); }

// auth.jwt_role_claim() RETURNS text: '' when unset.
AUTH_SQL_FUNCTION(auth_jwt_role_claim) { return pg::text_datum(pg::jwt_role_claim()); }
