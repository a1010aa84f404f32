// SQL entry points that hand the auth.* settings to the extension's SQL functions.
// Reading them here, rather than with current_setting(), works even in a backend that
// has not loaded the library yet (the call loads it).
#include "pg/postgres_headers.h"

#include "pg/border.h"
#include "pg/settings.h"

using namespace auth;

namespace {

// An interval of whole seconds, built from plain data.
Datum interval_of_seconds(int seconds) {
    auto* result = static_cast<Interval*>(palloc0(sizeof(Interval)));
    result->time = static_cast<TimeOffset>(seconds) * USECS_PER_SEC;
    return PointerGetDatum(result);
}

}  // namespace

// auth.session_ttl() RETURNS interval
AUTH_SQL_FUNCTION(auth_session_ttl) { return interval_of_seconds(pg::session_ttl_seconds()); }

// auth.session_idle_timeout() RETURNS interval
AUTH_SQL_FUNCTION(auth_session_idle_timeout) {
    return interval_of_seconds(pg::session_idle_timeout_seconds());
}

// auth.lockout_duration() RETURNS interval
AUTH_SQL_FUNCTION(auth_lockout_duration) { return interval_of_seconds(pg::lockout_seconds()); }

// auth.max_failed_logins() RETURNS integer
AUTH_SQL_FUNCTION(auth_max_failed_logins) { PG_RETURN_INT32(pg::max_failed_logins()); }

// auth.reset_token_ttl() RETURNS interval
AUTH_SQL_FUNCTION(auth_reset_token_ttl) { return interval_of_seconds(pg::reset_token_ttl_seconds()); }

// auth.sso_code_ttl() RETURNS interval
AUTH_SQL_FUNCTION(auth_sso_code_ttl) { return interval_of_seconds(pg::sso_code_ttl_seconds()); }
