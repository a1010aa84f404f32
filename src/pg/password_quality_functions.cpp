// SQL entry points of the password quality rules (internal: schema auth, called by the
// extension's own functions only): cracklib's dictionary and the user's names, and the
// digests a breached-password list is compared by.
#include "pg/postgres_headers.h"

#include "core/breach_digest.h"
#include "core/error.h"
#include "core/password_quality.h"
#include "core/password_text.h"
#include "pg/border.h"
#include "pg/settings.h"
#include "pg/values.h"

using namespace auth;

// auth.check_password_quality(password text, argument text, email text, full_name text)
// RETURNS void: under auth.password_check = dictionary, 22023 naming the argument for a
// password cracklib judges weak or holding the email's local part or the full name
// (compared on the NFKC form, the form that is hashed); nothing under none.
AUTH_SQL_FUNCTION(auth_check_password_quality) {
    if (!pg::password_check_dictionary()) PG_RETURN_VOID();
    const char* argument = PG_ARGISNULL(1) ? "password" : text_to_cstring(PG_GETARG_TEXT_PP(1));
    if (PG_ARGISNULL(0))
        throw core::Error(core::ErrorKind::null_value, std::string(argument) + " must not be null");
    const pg::TextArg email = PG_ARGISNULL(2) ? pg::TextArg{"", 0, false} : pg::text_arg(fcinfo, 2);
    const pg::TextArg full_name = PG_ARGISNULL(3) ? pg::TextArg{"", 0, false} : pg::text_arg(fcinfo, 3);
    const pg::TextArg password = pg::text_arg(fcinfo, 0);
    const pg::WipeOnExit wipe(password);
    const core::Secret normalized = core::normalized_password(password.view(), argument);
    core::check_password_quality(normalized.view(), {email.view(), full_name.view()}, argument,
                                 core::default_dictionary_path());
    PG_RETURN_VOID();
}

// auth.password_breach_digest(password text, normalized boolean) RETURNS bytea: SHA-1 of
// the password as typed, or of its NFKC form, for a lookup in auth.breached_passwords.
AUTH_SQL_FUNCTION(auth_password_breach_digest) {
    const bool normalized = PG_GETARG_BOOL(1);
    const pg::TextArg password = pg::text_arg(fcinfo, 0);
    const pg::WipeOnExit wipe(password);
    core::BreachDigest digest{};
    if (normalized) {
        const core::Secret form = core::normalized_password(password.view(), "password");
        digest = core::breach_digest(form.view());
    } else {
        digest = core::breach_digest(password.view());
    }
    const core::ScopedWipe wipe_digest(digest.data(), digest.size());
    return pg::bytea_datum(digest.data(), digest.size());
}
