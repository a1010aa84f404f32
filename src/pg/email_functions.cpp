// SQL entry points for matching emails (internal: schema auth): the key, the confusable
// skeleton and the invisible-character test of src/core/email_key.h.
#include "pg/postgres_headers.h"

#include "core/email_key.h"
#include "pg/border.h"
#include "pg/values.h"

using namespace auth;

// auth.email_key(email text) RETURNS text: NFKC_Casefold of the address, the one key
// emails are matched and kept unique by; NULL for an address over 254 characters or
// whose key is over the bound (it matches nothing).
AUTH_SQL_FUNCTION(auth_email_key) {
    const pg::TextArg email = pg::text_arg(fcinfo, 0);
    const auto key = core::email_key(email.view());
    if (!key) PG_RETURN_NULL();
    return pg::text_datum(*key);
}

// auth.email_skeleton(email text) RETURNS text: the UTS #39 skeleton of the address's
// key, shared by addresses that look alike; NULL where email_key is NULL.
AUTH_SQL_FUNCTION(auth_email_skeleton) {
    const pg::TextArg email = pg::text_arg(fcinfo, 0);
    const auto skeleton = core::email_skeleton(email.view());
    if (!skeleton) PG_RETURN_NULL();
    return pg::text_datum(*skeleton);
}

// auth.email_has_invisible(email text) RETURNS boolean: true when the address holds a
// format or default-ignorable character (refused where stored, matched only as stored).
AUTH_SQL_FUNCTION(auth_email_has_invisible) {
    const pg::TextArg email = pg::text_arg(fcinfo, 0);
    PG_RETURN_BOOL(core::email_has_invisible(email.view()));
}
