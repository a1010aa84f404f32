// SQL entry points for single sign-on (internal: schema auth): the PKCE check of
// auth_sso_exchange (src/sql/68_sso.sql) over src/core/pkce.
#include "pg/postgres_headers.h"

#include "core/pkce.h"
#include "pg/border.h"
#include "pg/values.h"

using namespace auth;

// auth.pkce_verifier_matches(verifier text, challenge text) RETURNS boolean (STRICT): true
// when the verifier is well formed (RFC 7636: 43 to 128 unreserved characters) and its S256
// challenge equals the stored one, compared in constant time. Our copy of the verifier is
// wiped before returning.
AUTH_SQL_FUNCTION(auth_pkce_verifier_matches) {
    const pg::TextArg verifier = pg::text_arg(fcinfo, 0);
    const pg::TextArg challenge = pg::text_arg(fcinfo, 1);
    const pg::WipeOnExit wipe(verifier);
    PG_RETURN_BOOL(core::pkce_verifier_matches(verifier.view(), challenge.view()));
}
