// SQL entry points for hashing and checking passwords (internal: schema auth, called
// by the extension's own functions only). Every hash or verification runs in a slot of
// auth.max_concurrent_hashes, taken while the frame holds plain data only.
#include "pg/postgres_headers.h"

#include "core/error.h"
#include "core/input_rules.h"
#include "core/legacy_hash.h"
#include "core/password_check.h"
#include "core/password_hash.h"
#include "core/password_text.h"
#include "pg/border.h"
#include "pg/hash_slots.h"
#include "pg/settings.h"
#include "pg/values.h"

using namespace auth;

namespace {

// Checks the size policy of a password argument, wiping our copy before a refusal
// leaves: no WipeOnExit may exist yet, as the slot is taken after this check.
void check_size_or_wipe(const pg::TextArg& password, const char* argument) {
    try {
        core::check_password_size(password.view(), pg::password_limits(), argument);
    } catch (...) {
        pg::wipe_copy(password);
        throw;
    }
}

// Takes a hash slot, wiping our copy of the password if the wait ends with an error
// (query cancel, statement_timeout). The error is a longjmp, so this frame holds plain
// data only and the caller makes its WipeOnExit after this returns.
void acquire_hash_slot_or_wipe(const pg::TextArg& password) {
    PG_TRY();
    {
        pg::acquire_hash_slot();
    }
    PG_CATCH();
    {
        pg::wipe_copy(password);
        PG_RE_THROW();
    }
    PG_END_TRY();
}

}  // namespace

// auth.hash_password(password text, argument text DEFAULT 'password') RETURNS text:
// checks the length policy on the NFKC form, naming the argument, and makes an
// Argon2id hash of that form at the configured cost.
AUTH_SQL_FUNCTION(auth_hash_password) {
    const char* argument = (PG_NARGS() < 2 || PG_ARGISNULL(1)) ? "password" : text_to_cstring(PG_GETARG_TEXT_PP(1));
    if (PG_ARGISNULL(0))
        throw core::Error(core::ErrorKind::null_value, std::string(argument) + " must not be null");
    const pg::TextArg password = pg::text_arg(fcinfo, 0);
    check_size_or_wipe(password, argument);
    acquire_hash_slot_or_wipe(password);
    const pg::HashSlot slot;
    const pg::WipeOnExit wipe(password);
    const core::Secret normalized = core::normalized_password(password.view(), argument);
    core::check_password_length(normalized.view(), pg::password_limits(), argument);
    return pg::text_datum(core::hash_password(normalized.view(), pg::hash_cost()));
}

// auth.rehash_password(password text) RETURNS text: a new Argon2id hash of the NFKC
// form at the configured cost, for a password that was just verified (no length policy:
// an imported password may predate it).
AUTH_SQL_FUNCTION(auth_rehash_password) {
    if (PG_ARGISNULL(0)) throw core::Error(core::ErrorKind::null_value, "password must not be null");
    const pg::TextArg password = pg::text_arg(fcinfo, 0);
    acquire_hash_slot_or_wipe(password);
    const pg::HashSlot slot;
    const pg::WipeOnExit wipe(password);
    const core::Secret normalized = core::normalized_password(password.view(), "password");
    return pg::text_datum(core::hash_password(normalized.view(), pg::hash_cost()));
}

// auth.password_matches(password text, stored_hash text, imported boolean DEFAULT false)
// RETURNS boolean: true when the password matches; a missing or unreadable hash costs
// the same Argon2id work and gives false.
AUTH_SQL_FUNCTION(auth_password_matches) {
    if (PG_ARGISNULL(0)) PG_RETURN_BOOL(false);
    const bool has_hash = !PG_ARGISNULL(1);
    const bool imported = PG_NARGS() > 2 && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
    const pg::TextArg password = pg::text_arg(fcinfo, 0);
    const pg::TextArg stored = has_hash ? pg::text_arg(fcinfo, 1) : pg::TextArg{nullptr, 0, false};
    // A value too long to be a password (more bytes than auth.password_max_length
    // characters can take, even before NFKC) can never have been set: it is refused
    // without hashing it (its length would make an imported hash's check costly), but
    // after the decoy work every refusal does, so the time says nothing. Characters are
    // counted on the NFKC form, so a decomposed typing of a maximal password still gets
    // its check.
    if (!core::password_size_may_fit(password.view(), pg::password_limits())) {
        pg::wipe_copy(password);
        pg::acquire_hash_slot();
        const pg::HashSlot slot;
        core::check_password("", std::nullopt, pg::hash_cost());
        PG_RETURN_BOOL(false);
    }
    acquire_hash_slot_or_wipe(password);
    const pg::HashSlot slot;
    const pg::WipeOnExit wipe(password);
    std::optional<core::StoredPassword> stored_password;
    if (has_hash) stored_password = core::StoredPassword{stored.view(), imported};
    PG_RETURN_BOOL(core::check_password(password.view(), stored_password, pg::hash_cost()));
}

// auth.hash_needs_rehash(stored_hash text, imported boolean) RETURNS boolean: true
// when a verified password's hash should be replaced by one at the current cost.
AUTH_SQL_FUNCTION(auth_hash_needs_rehash) {
    const pg::TextArg stored = pg::text_arg(fcinfo, 0);
    PG_RETURN_BOOL(core::needs_rehash(stored.view(), PG_GETARG_BOOL(1), pg::hash_cost()));
}

// auth.checked_import_hash(password_hash text) RETURNS text: the format's name for a
// well-formed hash auth_import_user accepts, else 22004/22023 (never echoing the hash).
AUTH_SQL_FUNCTION(auth_checked_import_hash) {
    if (PG_ARGISNULL(0)) throw core::Error(core::ErrorKind::null_value, "password_hash must not be null");
    const pg::TextArg stored = pg::text_arg(fcinfo, 0);
    // Checking a scrypt, sha-crypt or yescrypt string computes one hash, in a slot; the
    // other formats are judged by parsing alone, so a bulk import of them hashes nothing.
    const auto format = core::hash_format(stored.view());
    if (format && core::import_check_hashes(*format)) {
        pg::acquire_hash_slot();
        const pg::HashSlot slot;
        return pg::text_datum(core::format_name(core::check_importable_hash(stored.view())));
    }
    return pg::text_datum(core::format_name(core::check_importable_hash(stored.view())));
}

// auth.hash_format(password_hash text) RETURNS text: the algorithm a stored hash names
// ("argon2id", "bcrypt", ...), or NULL; for audit rows, never the hash itself.
AUTH_SQL_FUNCTION(auth_hash_format) {
    const auto format = core::hash_format(pg::text_arg(fcinfo, 0).view());
    if (!format) PG_RETURN_NULL();
    return pg::text_datum(core::format_name(*format));
}

// auth.hash_over_bound(password_hash text) RETURNS boolean: whether a check against this
// hash could cost more than the bound (for auth.hashes_over_bound and the upgrade).
AUTH_SQL_FUNCTION(auth_hash_over_bound) { PG_RETURN_BOOL(core::over_bound(pg::text_arg(fcinfo, 0).view())); }

// auth.hashes_running() RETURNS integer: password hashes running now in the server.
AUTH_SQL_FUNCTION(auth_hashes_running) { PG_RETURN_INT32(pg::hashes_running()); }

// auth.hashes_waiting() RETURNS integer: callers waiting now for a hash slot.
AUTH_SQL_FUNCTION(auth_hashes_waiting) { PG_RETURN_INT32(pg::hashes_waiting()); }

// auth.check_new_password(password text, argument text) RETURNS void: the length policy
// of a new password (22004/22023 naming the argument), without hashing it.
AUTH_SQL_FUNCTION(auth_check_new_password) {
    const char* argument = PG_ARGISNULL(1) ? "password" : text_to_cstring(PG_GETARG_TEXT_PP(1));
    if (PG_ARGISNULL(0))
        throw core::Error(core::ErrorKind::null_value, std::string(argument) + " must not be null");
    const pg::TextArg password = pg::text_arg(fcinfo, 0);
    const pg::WipeOnExit wipe(password);
    core::check_password_size(password.view(), pg::password_limits(), argument);
    const core::Secret normalized = core::normalized_password(password.view(), argument);
    core::check_password_length(normalized.view(), pg::password_limits(), argument);
    PG_RETURN_VOID();
}
