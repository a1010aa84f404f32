// auth_session_user: the check an app makes with a token on every request.
//
// It reads auth.user_sessions and auth.users through their unique indexes directly, with
// no SQL statement, no SECURITY DEFINER switch and no SET clause, so it costs about what a
// hand-written index lookup costs (bench/30_sessions.sh). It opens the tables without a
// privilege check: EXECUTE on the function, granted to auth_client and auth_admin only,
// is the check. It only reads, so it runs on a hot standby; on a writable server it has
// auth.touch_session refresh last_used_at, at most once a minute per session.
//
// The index work runs in frames that hold plain data only, so a PostgreSQL error there
// (a damaged extension) passes through the border without skipping a C++ destructor.
#include "core/token.h"
#include "pg/border.h"
#include "pg/settings.h"
#include "pg/values.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

#include <type_traits>

using namespace auth;

namespace {

constexpr int64 kRefreshEveryUsecs = 60 * USECS_PER_SEC;

// What the check needs of a session row.
struct SessionRow {
    int64 id;
    int64 user_id;
    TimestampTz expires_at;
    TimestampTz last_used_at;
    bool revoked;
};

// Column numbers of auth.user_sessions, looked up once per relation.
struct SessionColumns {
    Oid relation = InvalidOid;
    AttrNumber id, user_id, expires_at, last_used_at, revoked_at;
};
SessionColumns session_columns;

// A column's number, or an error naming the damaged table.
AttrNumber column_number(Oid relation, const char* column) {
    const AttrNumber number = get_attnum(relation, column);
    if (number == InvalidAttrNumber)
        elog(ERROR, "auth.user_sessions has no column %s: the extension is damaged", column);
    return number;
}

// The relation auth.<name>, or an error saying the extension is damaged.
Oid auth_relation(Oid schema, const char* name) {
    const Oid relation = get_relname_relid(name, schema);
    if (!OidIsValid(relation)) elog(ERROR, "auth.%s is missing: the extension is damaged", name);
    return relation;
}

// Fetches, through the unique index on token_hash, the session stored under digest.
bool find_session(Oid schema, const unsigned char* digest, SessionRow* row) {
    const Oid sessions_oid = auth_relation(schema, "user_sessions");
    const Oid index_oid = auth_relation(schema, "user_sessions_token_hash_key");
    if (session_columns.relation != sessions_oid) {
        session_columns.id = column_number(sessions_oid, "id");
        session_columns.user_id = column_number(sessions_oid, "user_id");
        session_columns.expires_at = column_number(sessions_oid, "expires_at");
        session_columns.last_used_at = column_number(sessions_oid, "last_used_at");
        session_columns.revoked_at = column_number(sessions_oid, "revoked_at");
        session_columns.relation = sessions_oid;
    }

    bytea* key = static_cast<bytea*>(palloc(VARHDRSZ + core::kDigestBytes));
    SET_VARSIZE(key, VARHDRSZ + core::kDigestBytes);
    memcpy(VARDATA(key), digest, core::kDigestBytes);

    Relation sessions = table_open(sessions_oid, AccessShareLock);
    Relation index = index_open(index_oid, AccessShareLock);
    ScanKeyData scan_key;
    ScanKeyInit(&scan_key, 1, BTEqualStrategyNumber, F_BYTEAEQ, PointerGetDatum(key));
    IndexScanDesc scan = index_beginscan(sessions, index, GetActiveSnapshot(), 1, 0);
    index_rescan(scan, &scan_key, 1, nullptr, 0);
    TupleTableSlot* slot = table_slot_create(sessions, nullptr);
    const bool found = index_getnext_slot(scan, ForwardScanDirection, slot);
    if (found) {
        bool isnull;
        row->id = DatumGetInt64(slot_getattr(slot, session_columns.id, &isnull));
        row->user_id = DatumGetInt64(slot_getattr(slot, session_columns.user_id, &isnull));
        row->expires_at = DatumGetTimestampTz(slot_getattr(slot, session_columns.expires_at, &isnull));
        row->last_used_at = DatumGetTimestampTz(slot_getattr(slot, session_columns.last_used_at, &isnull));
        slot_getattr(slot, session_columns.revoked_at, &isnull);
        row->revoked = !isnull;
    }
    ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
    index_close(index, AccessShareLock);
    table_close(sessions, AccessShareLock);
    pfree(key);
    return found;
}

// True when the user exists and is active, read through auth.users' primary key.
bool user_is_active(Oid schema, int64 user_id) {
    const Oid users_oid = auth_relation(schema, "users");
    const Oid index_oid = auth_relation(schema, "users_pkey");
    const AttrNumber is_active_column = get_attnum(users_oid, "is_active");
    if (is_active_column == InvalidAttrNumber)
        elog(ERROR, "auth.users has no column is_active: the extension is damaged");

    Relation users = table_open(users_oid, AccessShareLock);
    Relation index = index_open(index_oid, AccessShareLock);
    ScanKeyData scan_key;
    ScanKeyInit(&scan_key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(user_id));
    IndexScanDesc scan = index_beginscan(users, index, GetActiveSnapshot(), 1, 0);
    index_rescan(scan, &scan_key, 1, nullptr, 0);
    TupleTableSlot* slot = table_slot_create(users, nullptr);
    bool active = false;
    if (index_getnext_slot(scan, ForwardScanDirection, slot)) {
        bool isnull;
        const Datum value = slot_getattr(slot, is_active_column, &isnull);
        active = !isnull && DatumGetBool(value);
    }
    ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
    index_close(index, AccessShareLock);
    table_close(users, AccessShareLock);
    return active;
}

// Has auth.touch_session move last_used_at to now: a SECURITY DEFINER function that
// skips a row another transaction holds and swallows a serialization failure.
void refresh_last_used(Oid schema, int64 session_id) {
    NameData name;
    namestrcpy(&name, "touch_session");
    Oid argument_type = INT8OID;
    // A catalog lookup by OID: no search_path, and no USAGE needed on schema auth.
    HeapTuple tuple = SearchSysCache3(PROCNAMEARGSNSP, NameGetDatum(&name),
                                      PointerGetDatum(buildoidvector(&argument_type, 1)),
                                      ObjectIdGetDatum(schema));
    if (!HeapTupleIsValid(tuple)) elog(ERROR, "auth.touch_session is missing: the extension is damaged");
    const Oid touch = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple))->oid;
    ReleaseSysCache(tuple);
    OidFunctionCall1(touch, Int64GetDatum(session_id));
}

// True, with its user, when a live session is stored under digest. Plain data only.
bool live_session_user(const unsigned char* digest, int64* user_id) {
    const Oid schema = get_namespace_oid("auth", false);
    SessionRow row;
    // Read with the statement's snapshot, as a hand-written query would, but seeing
    // what this transaction wrote before the call, in the same statement too (a login
    // or logout just made): made visible as a VOLATILE PL/pgSQL function makes it.
    CommandCounterIncrement();
    const bool own_writes = GetActiveSnapshot()->curcid != GetCurrentCommandId(false);
    if (own_writes) {
        PushCopiedSnapshot(GetActiveSnapshot());
        UpdateActiveSnapshotCommandId();
    }
    const bool found = find_session(schema, digest, &row);
    const bool active = found && user_is_active(schema, row.user_id);
    if (own_writes) PopActiveSnapshot();
    if (!found) return false;
    const TimestampTz now = GetCurrentTransactionStartTimestamp();
    const int64 idle_usecs = static_cast<int64>(pg::session_idle_timeout_seconds()) * USECS_PER_SEC;
    if (row.revoked || row.expires_at <= now || row.last_used_at <= now - idle_usecs) return false;
    if (!active) return false;
    if (row.last_used_at < now - kRefreshEveryUsecs && !XactReadOnly) refresh_last_used(schema, row.id);
    *user_id = row.user_id;
    return true;
}

}  // namespace

// auth_session_user(token text) RETURNS bigint: the session's user while the session is
// valid (not expired, idle-timed-out or revoked, user active), NULL for anything else.
AUTH_SQL_FUNCTION(auth_session_user) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    const pg::TextArg token = pg::text_arg(fcinfo, 0);
    const std::optional<core::TokenDigest> digest = core::token_digest(token.view());
    pg::wipe_copy(token);
    // Nothing below may own resources: PostgreSQL errors unwind this frame with longjmp.
    static_assert(std::is_trivially_destructible_v<std::optional<core::TokenDigest>>);
    static_assert(std::is_trivially_destructible_v<pg::TextArg>);
    if (!digest) PG_RETURN_NULL();
    int64 user_id;
    if (!live_session_user(digest->data(), &user_id)) PG_RETURN_NULL();
    PG_RETURN_INT64(user_id);
}
