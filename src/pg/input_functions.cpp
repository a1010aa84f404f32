// SQL entry points for the contract's input rules (internal: schema auth). Each returns
// its input unchanged, so a SQL function can check a value where it uses it.
#include "pg/postgres_headers.h"

#include "core/error.h"
#include "core/input_rules.h"
#include "pg/border.h"
#include "pg/values.h"

using namespace auth;

// auth.checked_email(email text) RETURNS text: the email, or 22004/22023.
AUTH_SQL_FUNCTION(auth_checked_email) {
    if (PG_ARGISNULL(0)) throw core::Error(core::ErrorKind::null_value, "email must not be null");
    core::check_email(pg::text_arg(fcinfo, 0).view());
    PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

// auth.checked_name(value text, argument text) RETURNS text: a product, role, tenant
// or permission name, or 22004/22023 naming the argument.
AUTH_SQL_FUNCTION(auth_checked_name) {
    const char* argument = PG_ARGISNULL(1) ? "name" : text_to_cstring(PG_GETARG_TEXT_PP(1));
    if (PG_ARGISNULL(0))
        throw core::Error(core::ErrorKind::null_value, std::string(argument) + " must not be null");
    core::check_name(pg::text_arg(fcinfo, 0).view(), argument);
    PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}
