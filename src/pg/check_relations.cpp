#include "pg/postgres_headers.h"

#include "pg/check_relations.h"

extern "C" {
#include "access/stratnum.h"
#include "access/itup.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "executor/tuptable.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/predicate.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace auth::pg::checks {
namespace {

// Each table, the index the checks search it by, and that index's columns in order
// (scan keys and index-only reads address them by position).
struct TableName {
    const char* table;
    const char* index;
    const char* index_columns[4];
};

constexpr TableName kTableNames[kTableCount] = {
    {"products", "products_name_key", {"name"}},
    {"roles", "roles_name_key", {"product_id", "name"}},
    {"tenants", "tenants_name_key", {"name"}},
    {"users", "users_pkey", {"id"}},
    {"user_products", "user_products_key", {"user_id", "product_id", "tenant_id"}},
    {"user_roles", "user_roles_product_idx", {"user_id", "product_id", "role_id", "tenant_id"}},
    {"role_inherits", "role_inherits_inherited_idx", {"inherited_role_id"}},
    {"permissions", "permissions_name_key", {"product_id", "name"}},
    {"role_permissions", "role_permissions_permission_idx", {"permission_id"}},
    {"user_sessions", "user_sessions_token_hash_key", {"token_hash"}},
};

// user_roles' index in a database still at 0.1.0.
constexpr TableName kUserRolesKey = {"user_roles", "user_roles_key", {"user_id", "role_id", "tenant_id"}};

struct ColumnName {
    Table table;
    const char* name;
};

constexpr ColumnName kColumnNames[kColumnCount] = {
    {kProducts, "id"},
    {kRoles, "id"},
    {kTenants, "id"},
    {kUsers, "is_active"},
    {kUserProducts, "status"},
    {kRoleInherits, "role_id"},
    {kPermissions, "id"},
    {kRolePermissions, "role_id"},
    {kUserSessions, "id"},
    {kUserSessions, "user_id"},
    {kUserSessions, "expires_at"},
    {kUserSessions, "last_used_at"},
    {kUserSessions, "revoked_at"},
    {kUserSessions, "product_id"},
    {kUserSessions, "aal"},
};

// Columns a database still at 0.1.0 lacks; they read as NULL there.
bool column_is_optional(int column) { return column == kSessionAal; }

// What the backend remembers between calls: OIDs and attribute numbers, never data.
struct Resolved {
    bool valid;
    bool grants_by_product;  // user_roles_product_idx exists (0.2.0); else user_roles_key
    Oid heap[kTableCount];
    Oid index[kTableCount];
    AttrNumber column[kColumnCount];
};

Resolved resolved;
bool callback_registered = false;

// Forgets the OIDs when one of our relations changes or goes away (or on a reset).
void forget_on_invalidation(Datum, Oid relid) {
    if (!resolved.valid) return;
    if (relid == InvalidOid) {
        resolved.valid = false;
        return;
    }
    for (int i = 0; i < kTableCount; i++)
        if (resolved.heap[i] == relid || resolved.index[i] == relid) resolved.valid = false;
}

// Whether the index's key columns are the named columns of the table, in that order.
bool index_has_columns(Oid heap, Oid index, const char* const columns[4]) {
    HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
    if (!HeapTupleIsValid(tuple)) return false;
    const auto* form = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
    bool same = form->indrelid == heap;
    int n = 0;
    for (; n < 4 && columns[n] != nullptr; n++)
        same = same && n < form->indnkeyatts && form->indkey.values[n] == get_attnum(heap, columns[n]);
    same = same && form->indnkeyatts == n;
    ReleaseSysCache(tuple);
    return same;
}

// Looks the relations and columns up in the catalogs (by name, in schema auth).
void resolve() {
    if (!callback_registered) {
        CacheRegisterRelcacheCallback(forget_on_invalidation, (Datum)0);
        callback_registered = true;
    }
    const Oid schema = get_namespace_oid("auth", false);
    Resolved fresh;
    fresh.grants_by_product = true;
    for (int i = 0; i < kTableCount; i++) {
        fresh.heap[i] = get_relname_relid(kTableNames[i].table, schema);
        fresh.index[i] = get_relname_relid(kTableNames[i].index, schema);
        const char* const* columns = kTableNames[i].index_columns;
        // A database still at 0.1.0 keeps no product in its grants (no user_roles.product_id):
        // its checks read all of the user's grants through user_roles_key, as 0.1.0 did.
        if (i == kUserRoles && OidIsValid(fresh.heap[i]) &&
            get_attnum(fresh.heap[i], "product_id") == InvalidAttrNumber) {
            fresh.index[i] = get_relname_relid(kUserRolesKey.index, schema);
            columns = kUserRolesKey.index_columns;
            fresh.grants_by_product = false;
        }
        if (!OidIsValid(fresh.heap[i]) || !OidIsValid(fresh.index[i]) ||
            !index_has_columns(fresh.heap[i], fresh.index[i], columns))
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                            errmsg("auth.%s or its index %s is missing or changed: the extension is damaged",
                                   kTableNames[i].table, kTableNames[i].index)));
    }
    for (int i = 0; i < kColumnCount; i++) {
        fresh.column[i] = get_attnum(fresh.heap[kColumnNames[i].table], kColumnNames[i].name);
        if (fresh.column[i] == InvalidAttrNumber && !column_is_optional(i))
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("auth.%s.%s is missing: the extension is damaged",
                                   kTableNames[kColumnNames[i].table].table, kColumnNames[i].name)));
    }
    fresh.valid = true;
    resolved = fresh;
}

}  // namespace

void begin_call(CallTables* tables) {
    for (int i = 0; i < kTableCount; i++) tables->is_open[i] = false;
    tables->snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    if (!resolved.valid) resolve();
}

OpenTable* table(CallTables* tables, Table which) {
    OpenTable* open = &tables->open[which];
    if (tables->is_open[which]) return open;
    for (;;) {
        if (!resolved.valid) resolve();
        const Oid heap_oid = resolved.heap[which];
        const Oid index_oid = resolved.index[which];
        // Taking the lock processes pending invalidations: if they concern our
        // relations, the OIDs we hold may be stale, so look them up again.
        LockRelationOid(heap_oid, AccessShareLock);
        LockRelationOid(index_oid, AccessShareLock);
        if (resolved.valid && resolved.heap[which] == heap_oid && resolved.index[which] == index_oid) {
            open->heap = try_table_open(heap_oid, NoLock);
            open->index = open->heap ? index_open(index_oid, NoLock) : nullptr;
            if (open->heap == nullptr)
                ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                                errmsg("auth.%s is missing: the extension is damaged", kTableNames[which].table)));
            break;
        }
        UnlockRelationOid(index_oid, AccessShareLock);
        UnlockRelationOid(heap_oid, AccessShareLock);
    }
    open->slot = table_slot_create(open->heap, nullptr);
    tables->is_open[which] = true;
    return open;
}

void close_tables(CallTables* tables) {
    for (int i = 0; i < kTableCount; i++) {
        if (!tables->is_open[i]) continue;
        ExecDropSingleTupleTableSlot(tables->open[i].slot);
        index_close(tables->open[i].index, NoLock);
        table_close(tables->open[i].heap, NoLock);
        tables->is_open[i] = false;
    }
}

AttrNumber column(Column which) { return resolved.column[which]; }

bool grants_by_product() { return resolved.grants_by_product; }

void begin_read(CallTables* tables, Table which, IndexRead* read) {
    read->table = table(tables, which);
    read->scan = nullptr;
    read->key_count = 0;
    read->snapshot = tables->snapshot;
    read->ended = false;
    read->index_only = false;
    read->vm_buffer = InvalidBuffer;
}

void begin_index_only_read(CallTables* tables, Table which, IndexRead* read) {
    begin_read(tables, which, read);
    read->index_only = true;
}

void add_int8_key(IndexRead* read, int64 value) {
    ScanKeyInit(&read->keys[read->key_count], read->key_count + 1, BTEqualStrategyNumber, F_INT8EQ,
                Int64GetDatum(value));
    read->key_count++;
}

void add_text_key(IndexRead* read, Datum text_value) {
    // Equality under the index's own collation, so the btree's order is the one searched.
    const int attno = read->key_count + 1;
    ScanKeyEntryInitialize(&read->keys[read->key_count], 0, attno, BTEqualStrategyNumber, InvalidOid,
                           read->table->index->rd_indcollation[attno - 1], F_TEXTEQ, text_value);
    read->key_count++;
}

void add_bytea_key(IndexRead* read, Datum bytea_value) {
    ScanKeyInit(&read->keys[read->key_count], read->key_count + 1, BTEqualStrategyNumber, F_BYTEAEQ, bytea_value);
    read->key_count++;
}

void add_null_key(IndexRead* read) {
    ScanKeyEntryInitialize(&read->keys[read->key_count], SK_ISNULL | SK_SEARCHNULL, read->key_count + 1,
                           InvalidStrategy, InvalidOid, InvalidOid, InvalidOid, (Datum)0);
    read->key_count++;
}

namespace {

// The next index entry whose row the snapshot sees, as nodeIndexonlyscan.c decides it:
// an all-visible page needs no visit; otherwise the row is fetched to check it.
bool next_index_only_row(IndexRead* read) {
    IndexScanDesc scan = read->scan;
    ItemPointer tid;
    while ((tid = index_getnext_tid(scan, ForwardScanDirection)) != nullptr) {
        if (!VM_ALL_VISIBLE(scan->heapRelation, ItemPointerGetBlockNumber(tid), &read->vm_buffer)) {
            if (!index_fetch_heap(scan, read->table->slot)) continue;
            ExecClearTuple(read->table->slot);
        } else {
            // No row visited: take the predicate lock a visit would have taken.
            PredicateLockPage(scan->heapRelation, ItemPointerGetBlockNumber(tid), read->snapshot);
        }
        return true;
    }
    return false;
}

}  // namespace

bool next_row(IndexRead* read) {
    if (read->ended) return false;
    if (read->scan == nullptr) {
        read->scan = index_beginscan(read->table->heap, read->table->index, read->snapshot,
                                     read->key_count, 0);
        read->scan->xs_want_itup = read->index_only;
        index_rescan(read->scan, read->keys, read->key_count, nullptr, 0);
    }
    const bool found = read->index_only ? next_index_only_row(read)
                                        : index_getnext_slot(read->scan, ForwardScanDirection, read->table->slot);
    if (found) return true;
    end_read(read);
    return false;
}

void end_read(IndexRead* read) {
    if (read->scan != nullptr) index_endscan(read->scan);
    if (read->vm_buffer != InvalidBuffer) ReleaseBuffer(read->vm_buffer);
    read->scan = nullptr;
    read->vm_buffer = InvalidBuffer;
    read->ended = true;
}

bool index_int8(IndexRead* read, int n, int64* value) {
    bool is_null;
    const Datum datum = index_getattr(read->scan->xs_itup, n, read->scan->xs_itupdesc, &is_null);
    if (is_null) return false;
    *value = DatumGetInt64(datum);
    return true;
}

bool row_int8(IndexRead* read, Column which, int64* value) {
    bool is_null;
    const Datum datum = slot_getattr(read->table->slot, resolved.column[which], &is_null);
    if (is_null) return false;
    *value = DatumGetInt64(datum);
    return true;
}

Datum row_datum(IndexRead* read, Column which, bool* is_null) {
    if (resolved.column[which] == InvalidAttrNumber) {
        *is_null = true;
        return (Datum)0;
    }
    return slot_getattr(read->table->slot, resolved.column[which], is_null);
}

}  // namespace auth::pg::checks
