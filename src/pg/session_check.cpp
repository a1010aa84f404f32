// auth_session_user: the check an app makes with a token on every request.
//
// It reads auth.user_sessions through the unique index on token_hash directly, with no
// SQL statement, no SECURITY DEFINER switch and no SET clause, so it costs about what a
// hand-written index lookup costs (bench/30_sessions.sh). It need not read auth.users: a
// deactivation ends the user's sessions (src/sql/62_session_rules.sql). The table, its
// index and columns are resolved by the same per-backend cache as the other checks
// (check_relations.h: verified index columns, forgotten on a relcache invalidation of
// them); auth.touch_session's OID is remembered here and forgotten when its own pg_proc
// row changes. It opens the tables without a privilege check: EXECUTE on the function,
// granted to auth_client and auth_admin only, is the check. It only reads, so it runs on
// a hot standby; on a writable server it has auth.touch_session refresh last_used_at, at
// most once a minute.
//
// A confined caller (client_scope.h) sees only sessions bound to its products: any other
// token, a sign-in service's own session (bound to no product) included, answers NULL and
// is not refreshed. A caller confined to no product gets 42501. A session bound to a
// product that requires a second factor answers only once it is aal2.
//
// The index work runs in frames that hold plain data only, so a PostgreSQL error there
// (a damaged extension) passes through the border without skipping a C++ destructor.
#include "pg/postgres_headers.h"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/inval.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

#include <optional>
#include <type_traits>

#include "core/token.h"
#include "pg/border.h"
#include "pg/check_relations.h"
#include "pg/client_scope.h"
#include "pg/settings.h"
#include "pg/values.h"

using namespace auth;
using namespace auth::pg::checks;

namespace {

constexpr int64 kRefreshEveryUsecs = 60 * USECS_PER_SEC;

// What the check needs of a session row.
struct SessionRow {
    int64 id;
    int64 user_id;
    TimestampTz expires_at;
    TimestampTz last_used_at;
    bool revoked;
    bool bound;          // to a product (else a sign-in service's own session)
    int64 product_id;
    bool aal2;           // authenticated with a second factor
};

// auth.touch_session's OID, looked up when first needed, and the hash of its pg_proc
// cache key, so that only an invalidation of that row (or a cache reset) forgets it.
Oid touch_session_oid = InvalidOid;
uint32 touch_session_hash = 0;
bool touch_session_callback_registered = false;

// Forgets auth.touch_session's OID when its pg_proc row changes or goes away.
void forget_touch_session(Datum, int, uint32 hash_value) {
    if (hash_value == 0 || hash_value == touch_session_hash) touch_session_oid = InvalidOid;
}

// auth.touch_session(bigint), found by OID lookups (no search_path, and no USAGE needed
// on schema auth) and remembered until its catalog row changes.
Oid touch_session_function() {
    if (!touch_session_callback_registered) {
        CacheRegisterSyscacheCallback(PROCOID, forget_touch_session, (Datum)0);
        touch_session_callback_registered = true;
    }
    if (OidIsValid(touch_session_oid)) return touch_session_oid;
    NameData name;
    namestrcpy(&name, "touch_session");
    Oid argument_type = INT8OID;
    HeapTuple tuple = SearchSysCache3(PROCNAMEARGSNSP, NameGetDatum(&name),
                                      PointerGetDatum(buildoidvector(&argument_type, 1)),
                                      ObjectIdGetDatum(get_namespace_oid("auth", false)));
    if (!HeapTupleIsValid(tuple))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                        errmsg("auth.touch_session(bigint) is missing: the extension is damaged")));
    const Oid touch = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple))->oid;
    ReleaseSysCache(tuple);
    touch_session_hash = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(touch));
    touch_session_oid = touch;
    return touch;
}

// Reads the session stored under digest through user_sessions_token_hash_key, under the
// call's snapshot; false when there is none.
bool read_session(CallTables* tables, const unsigned char* digest, SessionRow* row) {
    bytea* key = static_cast<bytea*>(palloc(VARHDRSZ + core::kDigestBytes));
    SET_VARSIZE(key, VARHDRSZ + core::kDigestBytes);
    memcpy(VARDATA(key), digest, core::kDigestBytes);
    IndexRead read;
    begin_read(tables, kUserSessions, &read);
    add_bytea_key(&read, PointerGetDatum(key));
    const bool found = next_row(&read);
    if (found) {
        bool is_null;
        row_int8(&read, kSessionId, &row->id);
        row_int8(&read, kSessionUserId, &row->user_id);
        row->expires_at = DatumGetTimestampTz(row_datum(&read, kSessionExpiresAt, &is_null));
        row->last_used_at = DatumGetTimestampTz(row_datum(&read, kSessionLastUsedAt, &is_null));
        row_datum(&read, kSessionRevokedAt, &is_null);
        row->revoked = !is_null;
        row->bound = row_int8(&read, kSessionProductId, &row->product_id);
        const Datum aal = row_datum(&read, kSessionAal, &is_null);
        row->aal2 = !is_null && VARSIZE_ANY_EXHDR(DatumGetPointer(aal)) == 4 &&
                    memcmp(VARDATA_ANY(DatumGetPointer(aal)), "aal2", 4) == 0;
        end_read(&read);
    }
    pfree(key);
    return found;
}

// True, with its user, when a live session the caller sees is stored under digest.
// Plain data only.
bool live_session_user(const unsigned char* digest, const core::ClientScope& scope, int64* user_id) {
    SessionRow row{};
    bool found = false;
    // Read with the statement's snapshot, as a hand-written query would, but seeing
    // what this transaction wrote before the call, in the same statement too (a login
    // or logout just made): made visible as a VOLATILE PL/pgSQL function makes it.
    // (Called where no snapshot is active, it takes the transaction's.)
    CommandCounterIncrement();
    const bool no_snapshot = !ActiveSnapshotSet();
    if (no_snapshot) PushActiveSnapshot(GetTransactionSnapshot());
    const bool own_writes = !no_snapshot && GetActiveSnapshot()->curcid != GetCurrentCommandId(false);
    if (own_writes) {
        PushCopiedSnapshot(GetActiveSnapshot());
        UpdateActiveSnapshotCommandId();
    }
    CallTables tables;
    begin_call(&tables);
    found = read_session(&tables, digest, &row);
    close_tables(&tables);
    if (own_writes || no_snapshot) PopActiveSnapshot();
    if (!found || !core::sees_session(scope, row.bound, row.product_id)) return false;
    // The rule of auth.session_is_live (src/sql/30_internal.sql), at the statement's
    // start: a session that expires while a transaction is open is refused by its next
    // statement.
    const TimestampTz now = GetCurrentStatementStartTimestamp();
    const int64 idle_usecs = static_cast<int64>(pg::session_idle_timeout_seconds()) * USECS_PER_SEC;
    if (row.revoked || row.expires_at <= now || row.last_used_at <= now - idle_usecs) return false;
    // A product that requires a second factor (auth_set_product_mfa) answers aal2 only.
    if (row.bound && !row.aal2 && pg::product_requires_mfa(row.product_id)) return false;
    // Best effort, at most once a minute, never on a standby or in a READ ONLY transaction.
    if (row.last_used_at < now - kRefreshEveryUsecs && !XactReadOnly)
        OidFunctionCall1(touch_session_function(), Int64GetDatum(row.id));
    *user_id = row.user_id;
    return true;
}

}  // namespace

// auth_session_user(token text) RETURNS bigint: the session's user while the session is
// valid (not expired, idle-timed-out or revoked, user active), NULL for anything else.
AUTH_SQL_FUNCTION(auth_session_user) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    const Oid caller = GetUserId();
    const core::ClientScope scope = pg::caller_scope(caller);
    pg::require_client(caller, scope);
    const pg::TextArg token = pg::text_arg(fcinfo, 0);
    const std::optional<core::TokenDigest> digest = core::token_digest(token.view());
    pg::wipe_copy(token);
    // Nothing below may own resources: PostgreSQL errors unwind this frame with longjmp.
    static_assert(std::is_trivially_destructible_v<std::optional<core::TokenDigest>>);
    static_assert(std::is_trivially_destructible_v<pg::TextArg>);
    static_assert(std::is_trivially_destructible_v<core::ClientScope>);
    if (!digest) PG_RETURN_NULL();
    int64 user_id;
    if (!live_session_user(digest->data(), scope, &user_id)) PG_RETURN_NULL();
    PG_RETURN_INT64(user_id);
}
