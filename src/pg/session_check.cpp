// auth_session_user: the check an app makes with a token on every request.
//
// It reads auth.user_sessions through the unique index on token_hash directly, with no
// SQL statement, no SECURITY DEFINER switch and no SET clause, so it costs about what a
// hand-written index lookup costs (bench/30_sessions.sh). It need not read auth.users: a
// deactivation ends the user's sessions (src/sql/62_session_rules.sql). The objects' OIDs are looked up
// once per backend and forgotten on any catalog change to them. It opens the tables
// without a privilege check: EXECUTE on the function, granted to auth_client and
// auth_admin only, is the check. It only reads, so it runs on a hot standby; on a
// writable server it has auth.touch_session refresh last_used_at, at most once a minute.
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
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

#include <type_traits>

using namespace auth;

namespace {

constexpr int64 kRefreshEveryUsecs = 60 * USECS_PER_SEC;
constexpr int kLookupAttempts = 5;

// What the check needs of a session row.
struct SessionRow {
    int64 id;
    int64 user_id;
    TimestampTz expires_at;
    TimestampTz last_used_at;
    bool revoked;
};

// Where the check reads: the OIDs and column numbers of the extension's objects, looked
// up once per backend and forgotten when the catalog changes (DROP EXTENSION, ALTER ...).
struct Catalog {
    bool valid = false;
    Oid schema, sessions, sessions_by_token, touch_session;
    AttrNumber session_id, session_user_id, expires_at, last_used_at, revoked_at;
};
Catalog catalog;

// Invalidation callbacks: any change to one of our relations, or to any function, makes
// the next call look everything up again.
void forget_catalog_on_relation(Datum, Oid relation) {
    if (relation == InvalidOid || relation == catalog.sessions || relation == catalog.sessions_by_token)
        catalog.valid = false;
}
void forget_catalog_on_function(Datum, int, uint32) { catalog.valid = false; }

// A column's number, or an error naming the damaged table.
AttrNumber column_number(Oid relation, const char* table, const char* column) {
    const AttrNumber number = get_attnum(relation, column);
    if (number == InvalidAttrNumber)
        elog(ERROR, "auth.%s has no column %s: the extension is damaged", table, column);
    return number;
}

// The relation auth.<name>, or an error saying the extension is damaged.
Oid auth_relation(Oid schema, const char* name) {
    const Oid relation = get_relname_relid(name, schema);
    if (!OidIsValid(relation)) elog(ERROR, "auth.%s is missing: the extension is damaged", name);
    return relation;
}

// auth.touch_session(bigint), found by OID lookups: no search_path, and no USAGE needed
// on schema auth.
Oid touch_session_function(Oid schema) {
    NameData name;
    namestrcpy(&name, "touch_session");
    Oid argument_type = INT8OID;
    HeapTuple tuple = SearchSysCache3(PROCNAMEARGSNSP, NameGetDatum(&name),
                                      PointerGetDatum(buildoidvector(&argument_type, 1)),
                                      ObjectIdGetDatum(schema));
    if (!HeapTupleIsValid(tuple)) elog(ERROR, "auth.touch_session is missing: the extension is damaged");
    const Oid touch = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple))->oid;
    ReleaseSysCache(tuple);
    return touch;
}

// Fills the catalog cache, registering the invalidation callbacks the first time.
void load_catalog() {
    static bool callbacks_registered = false;
    if (!callbacks_registered) {
        CacheRegisterRelcacheCallback(forget_catalog_on_relation, 0);
        CacheRegisterSyscacheCallback(PROCOID, forget_catalog_on_function, 0);
        callbacks_registered = true;
    }
    catalog.valid = false;
    catalog.schema = get_namespace_oid("auth", false);
    catalog.sessions = auth_relation(catalog.schema, "user_sessions");
    catalog.sessions_by_token = auth_relation(catalog.schema, "user_sessions_token_hash_key");
    catalog.session_id = column_number(catalog.sessions, "user_sessions", "id");
    catalog.session_user_id = column_number(catalog.sessions, "user_sessions", "user_id");
    catalog.expires_at = column_number(catalog.sessions, "user_sessions", "expires_at");
    catalog.last_used_at = column_number(catalog.sessions, "user_sessions", "last_used_at");
    catalog.revoked_at = column_number(catalog.sessions, "user_sessions", "revoked_at");
    catalog.touch_session = touch_session_function(catalog.schema);
    catalog.valid = true;
}

// Opens a relation of the catalog cache, or NULL when it is gone or the cache went stale
// while the lock was taken (the caller reloads and tries again).
Relation open_cached(Oid relation) {
    Relation opened = try_table_open(relation, AccessShareLock);
    if (opened != nullptr && !catalog.valid) {
        table_close(opened, AccessShareLock);
        return nullptr;
    }
    return opened;
}

// Fetches through a unique index the one row whose first index column equals key, and
// hands its slot to read; false when there is none.
template <typename Read>
bool fetch_unique(Relation table, Oid index_oid, RegProcedure equals, Datum key, Read read) {
    Relation index = index_open(index_oid, AccessShareLock);
    ScanKeyData scan_key;
    ScanKeyInit(&scan_key, 1, BTEqualStrategyNumber, equals, key);
    IndexScanDesc scan = index_beginscan(table, index, GetActiveSnapshot(), 1, 0);
    index_rescan(scan, &scan_key, 1, nullptr, 0);
    TupleTableSlot* slot = table_slot_create(table, nullptr);
    const bool found = index_getnext_slot(scan, ForwardScanDirection, slot);
    if (found) read(slot);
    ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
    index_close(index, AccessShareLock);
    return found;
}

// Reads the session stored under digest. Returns false when the cache went stale on the
// way (the caller reloads and tries again).
bool read_session(const unsigned char* digest, bool* found, SessionRow* row) {
    Relation sessions = open_cached(catalog.sessions);
    if (sessions == nullptr) return false;
    bytea* key = static_cast<bytea*>(palloc(VARHDRSZ + core::kDigestBytes));
    SET_VARSIZE(key, VARHDRSZ + core::kDigestBytes);
    memcpy(VARDATA(key), digest, core::kDigestBytes);
    *found = fetch_unique(sessions, catalog.sessions_by_token, F_BYTEAEQ, PointerGetDatum(key),
                          [row](TupleTableSlot* slot) {
                              bool isnull;
                              row->id = DatumGetInt64(slot_getattr(slot, catalog.session_id, &isnull));
                              row->user_id = DatumGetInt64(slot_getattr(slot, catalog.session_user_id, &isnull));
                              row->expires_at = DatumGetTimestampTz(slot_getattr(slot, catalog.expires_at, &isnull));
                              row->last_used_at =
                                  DatumGetTimestampTz(slot_getattr(slot, catalog.last_used_at, &isnull));
                              slot_getattr(slot, catalog.revoked_at, &isnull);
                              row->revoked = !isnull;
                          });
    table_close(sessions, AccessShareLock);
    pfree(key);
    return true;
}

// True, with its user, when a live session is stored under digest. Plain data only.
bool live_session_user(const unsigned char* digest, int64* user_id) {
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
    // A catalog change seen while the table's lock is taken means looking up again.
    bool read = false;
    for (int attempt = 0; attempt < kLookupAttempts && !read; attempt++) {
        if (!catalog.valid) load_catalog();
        read = read_session(digest, &found, &row);
        if (!read) catalog.valid = false;
    }
    if (own_writes || no_snapshot) PopActiveSnapshot();
    if (!read) elog(ERROR, "the tables of schema auth changed during the session check");
    if (!found) return false;
    // The statement's start, as statement_timestamp() in the SQL functions: a session
    // that expires while a transaction is open is refused by its next statement.
    const TimestampTz now = GetCurrentStatementStartTimestamp();
    const int64 idle_usecs = static_cast<int64>(pg::session_idle_timeout_seconds()) * USECS_PER_SEC;
    if (row.revoked || row.expires_at <= now || row.last_used_at <= now - idle_usecs) return false;
    // Best effort, at most once a minute, never on a standby or in a READ ONLY transaction.
    if (row.last_used_at < now - kRefreshEveryUsecs && !XactReadOnly)
        OidFunctionCall1(catalog.touch_session, Int64GetDatum(row.id));
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
