// SQL entry points for hashing and checking passwords (internal: schema auth, called
// by the extension's own functions only).
#include "core/error.h"
#include "core/input_rules.h"
#include "core/password_hash.h"
#include "pg/border.h"
#include "pg/settings.h"
#include "pg/values.h"

using namespace auth;

namespace {

// Wipes our copy of a password argument however the call ends.
class WipeOnExit {
public:
    explicit WipeOnExit(const pg::TextArg& arg) : arg_(arg) {}
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;
    ~WipeOnExit() { pg::wipe_copy(arg_); }

private:
    const pg::TextArg& arg_;
};

}  // namespace

// auth.hash_password(password text) RETURNS text: checks the length policy and makes
// an Argon2id hash at the configured cost.
AUTH_SQL_FUNCTION(auth_hash_password) {
    if (PG_ARGISNULL(0)) throw core::Error(core::ErrorKind::null_value, "password must not be null");
    const pg::TextArg password = pg::text_arg(fcinfo, 0);
    const WipeOnExit wipe(password);
    core::check_password(password.view(), pg::password_limits());
    return pg::text_datum(core::hash_password(password.view(), pg::hash_cost()));
}

// auth.password_matches(password text, stored_hash text) RETURNS boolean: true when
// the password matches; every kind of failure costs the same Argon2id work.
AUTH_SQL_FUNCTION(auth_password_matches) {
    if (PG_ARGISNULL(0)) PG_RETURN_BOOL(false);
    const bool has_hash = !PG_ARGISNULL(1);
    const pg::TextArg password = pg::text_arg(fcinfo, 0);
    const pg::TextArg stored = has_hash ? pg::text_arg(fcinfo, 1) : pg::TextArg{nullptr, 0, false};
    const WipeOnExit wipe(password);
    // A password longer than the limit can never have been set: refuse it unhashed.
    if (!core::password_within_max(password.view(), pg::password_limits())) PG_RETURN_BOOL(false);
    std::optional<std::string_view> stored_hash;
    if (has_hash) stored_hash = stored.view();
    PG_RETURN_BOOL(core::verify_password(password.view(), stored_hash, pg::hash_cost()));
}
