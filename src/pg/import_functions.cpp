// SQL entry point for auth_import_users' check of one element (internal, schema auth).
#include "pg/postgres_headers.h"

#include "core/error.h"
#include "core/import_element.h"
#include "core/legacy_hash.h"
#include "pg/border.h"
#include "pg/hash_slots.h"
#include "pg/values.h"

extern "C" {
#include "utils/jsonb.h"
}

using namespace auth;

// auth.import_checked(element jsonb) RETURNS text: the element's hash format, NULL when it
// has no hash; 22004/22023 (naming the field, never a value) for an element
// auth_import_users refuses. Parsed by nlohmann-json in the core; no hash computed except
// libxcrypt's shape probe of scrypt, sha-crypt and yescrypt strings, in a hash slot.
AUTH_SQL_FUNCTION(auth_import_checked) {
    if (PG_ARGISNULL(0)) throw core::Error(core::ErrorKind::invalid_value, "each element of users must be a JSON object");
    Jsonb* element = PG_GETARG_JSONB_P(0);
    const char* text = JsonbToCString(nullptr, &element->root, VARSIZE(element));
    const auto hash = core::checked_import_element(text);
    if (!hash) PG_RETURN_NULL();
    const auto format = core::hash_format(*hash);
    if (format && core::import_check_hashes(*format)) {
        pg::acquire_hash_slot();
        const pg::HashSlot slot;
        return pg::text_datum(core::format_name(core::check_importable_hash(*hash)));
    }
    return pg::text_datum(core::format_name(core::check_importable_hash(*hash)));
}
