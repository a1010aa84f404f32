// SQL entry points for matching emails (internal: schema auth): the key, the confusable
// skeleton and the invisible-character test of src/core/email_key.h.
#include "pg/postgres_headers.h"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/snapmgr.h"
}

#include "core/email_key.h"
#include "pg/border.h"
#include "pg/index_plan.h"
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

namespace {

// Another user whose address is a look-alike of this one (the same skeleton, either
// address not all ASCII). Prepared once per backend and kept.
const char* const kLookalikeQuery =
    "SELECT FROM auth.users u"
    " WHERE u.email_skeleton = $1 AND u.id <> $3"
    "   AND NOT (pg_catalog.octet_length(u.email) = pg_catalog.length(u.email) AND $2)"
    " LIMIT 1";

SPIPlanPtr lookalike_plan = nullptr;

}  // namespace

// auth.email_lookalike_taken(skeleton text, all_ascii boolean, user_id bigint) RETURNS
// boolean: whether another user's address looks like one with this skeleton. Read in
// the latest snapshot, as PostgreSQL's own foreign-key checks read under REPEATABLE
// READ: a look-alike committed after the transaction's snapshot was taken counts too.
// Called under the skeleton's advisory lock (auth.users_email_keys). Plain data only
// in this frame: SPI may raise (border.h).
AUTH_SQL_FUNCTION(auth_email_lookalike_taken) {
    Datum values[3] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), PG_GETARG_DATUM(2)};
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    if (lookalike_plan == nullptr) {
        Oid types[3] = {TEXTOID, BOOLOID, INT8OID};
        SPIPlanPtr plan = SPI_prepare(kLookalikeQuery, 3, types);
        if (plan == nullptr)
            elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        if (SPI_keepplan(plan) != 0) elog(ERROR, "SPI_keepplan failed");
        lookalike_plan = plan;
    }
    const int rc = auth::pg::execute_by_index(lookalike_plan, values, nullptr, GetLatestSnapshot(), 1);
    if (rc != SPI_OK_SELECT)
        elog(ERROR, "SPI_execute_snapshot failed: %s", SPI_result_code_string(rc));
    const bool taken = SPI_processed > 0;
    SPI_finish();
    PG_RETURN_BOOL(taken);
}
