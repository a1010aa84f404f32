// SQL entry points for opaque tokens (internal: schema auth).
#include "pg/postgres_headers.h"

#include "core/token.h"
#include "pg/border.h"
#include "pg/values.h"

using namespace auth;

// auth.new_token() RETURNS text: 256 random bits, URL-safe base64; the caller stores
// only its digest.
AUTH_SQL_FUNCTION(auth_new_token) {
    const core::Secret token = core::new_token();
    return pg::text_datum(token.view());
}

// auth.token_digest(token text) RETURNS bytea: SHA-256 of a well-formed token, NULL
// for anything that cannot be a token (so no lookup is made for it).
AUTH_SQL_FUNCTION(auth_token_digest) {
    const pg::TextArg token = pg::text_arg(fcinfo, 0);
    const pg::WipeOnExit wipe(token);
    const auto digest = core::token_digest(token.view());
    if (!digest) PG_RETURN_NULL();
    return pg::bytea_datum(digest->data(), digest->size());
}
