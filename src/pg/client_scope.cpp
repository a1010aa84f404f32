// The per-backend cache of who is a client of what (client_scope.h), and the trigger
// function that announces a change of auth.products to every backend.
//
// A caller is not confined when it is a superuser or has the privileges of auth_admin or
// of auth_signin, or when the database is still at 0.1.0 (auth.products has no
// app_role_oid column, or the role auth_signin does not exist): the 0.2.0 library then
// answers as 0.1.0 did until ALTER EXTENSION auth UPDATE. Any other caller may act for
// the products whose app_role or admin_role it has the privileges of (has_privs_of_role:
// a NOINHERIT link does not count), each role counted only while a role of that OID
// exists under the name stored beside it.
//
// An answer is read from auth.products under a snapshot of its own, the latest, taken
// after the cache's invalidation count is noted. A committing transaction is visible to
// new snapshots before it sends its invalidations, so a change of the bindings is either
// in the answer or its invalidation arrives after the count was noted: it then forgets
// the answer, or keeps it from being stored. (The statement's snapshot would not do: a
// change committed after it, whose invalidation was taken in before the read, would be
// missed and never announced again; specs/checks_confinement_cache.spec.) So, like a
// privilege, a binding is judged on what is committed, not on the caller's transaction
// snapshot. In parallel mode no new snapshot may be taken: the statement's is used, and
// the answer is kept for that transaction only.
#include "pg/postgres_headers.h"

#include "pg/client_scope.h"

extern "C" {
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

#include <cstring>
#include <string_view>
#include <type_traits>

#include "core/shown_name.h"
#include "pg/border.h"
#include "pg/error_log.h"
#include "pg/check_relations.h"

namespace auth::pg {
namespace {

static_assert(std::is_trivially_destructible_v<core::ClientScope>);

// One calling role's answer.
struct CachedScope {
    bool valid;
    Oid role;
    bool confined;
    int64* products;  // in cache_memory; freed when the slot is reused
    int count;
    bool transient;  // computed in parallel mode: for transaction lxid only
    LocalTransactionId lxid;
    uint64 last_used;
};

// A few roles, for a backend whose callers switch (SET ROLE, a pooler's roles).
constexpr int kCachedRoles = 4;
CachedScope cached[kCachedRoles];
uint64 use_clock = 0;

// Counts the invalidations received, so that an answer computed while one arrived is
// used for its call but not stored.
uint64 invalidations = 0;
Oid products_relid = InvalidOid;  // auth.products, once seen
MemoryContext cache_memory = nullptr;
bool callbacks_registered = false;

// The products that require aal2, sorted (in cache_memory), while mfa_valid.
int64* mfa_products = nullptr;
int mfa_count = 0;
bool mfa_valid = false;

void forget_all() {
    for (CachedScope& entry : cached) entry.valid = false;
    mfa_valid = false;
    invalidations++;
}

// A role was created, dropped, renamed or changed, or a membership granted or revoked.
void forget_on_role_change(Datum, int, uint32) { forget_all(); }

// auth.products changed (or every relation, on a cache reset).
void forget_on_products_change(Datum, Oid relid) {
    if (relid == InvalidOid || relid == products_relid) forget_all();
}

void register_callbacks() {
    if (callbacks_registered) return;
    cache_memory =
        AllocSetContextCreate(TopMemoryContext, "auth client scopes", ALLOCSET_SMALL_SIZES);
    CacheRegisterSyscacheCallback(AUTHOID, forget_on_role_change, (Datum)0);
    CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, forget_on_role_change, (Datum)0);
    CacheRegisterRelcacheCallback(forget_on_products_change, (Datum)0);
    callbacks_registered = true;
}

// The attribute number of a column of the relation by name, from the relation cache's
// descriptor; InvalidAttrNumber when there is none.
AttrNumber column_named(Relation relation, const char* name) {
    const TupleDesc descriptor = RelationGetDescr(relation);
    for (int i = 0; i < descriptor->natts; i++) {
        const Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (!attribute->attisdropped && std::strcmp(NameStr(attribute->attname), name) == 0)
            return attribute->attnum;
    }
    return InvalidAttrNumber;
}

// A binding of a product to a role: the columns holding the role's OID and its name.
struct BindingColumns {
    AttrNumber oid;
    AttrNumber name;
};

// The extension's own roles (those that exist), for the rule that a role one of them holds
// binds nothing.
struct ExtensionRoles {
    Oid oids[5];
    int count;
};

// Looks the extension's roles up by name.
ExtensionRoles extension_roles() {
    static const char* const kNames[] = {"auth_admin", "auth_client", "auth_signin", "auth_mailer", "auth_user"};
    ExtensionRoles roles{};
    for (const char* name : kNames) {
        const Oid oid = get_role_oid(name, true);
        if (OidIsValid(oid)) roles.oids[roles.count++] = oid;
    }
    return roles;
}

// Whether a role is too wide to bind a product to: a system role (made by initdb), or one
// whose privileges one of the extension's roles holds. The same rule as
// auth.role_too_wide in src/sql/30_internal.sql.
bool role_too_wide(Oid role, const ExtensionRoles& extension) {
    if (role < FirstNormalObjectId) return true;
    for (int i = 0; i < extension.count; i++)
        if (has_privs_of_role(extension.oids[i], role)) return true;
    return false;
}

// Whether the row binds the product to a role the caller has the privileges of: a role
// of the stored OID exists, still has the stored name, and is not too wide to bind.
bool bound_to_caller(TupleTableSlot* slot, BindingColumns binding, Oid caller,
                     const ExtensionRoles& extension) {
    bool oid_null;
    bool name_null;
    const Datum oid_datum = slot_getattr(slot, binding.oid, &oid_null);
    const Datum name_datum = slot_getattr(slot, binding.name, &name_null);
    if (oid_null || name_null) return false;
    const Oid role = DatumGetObjectId(oid_datum);
    HeapTuple tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
    if (!HeapTupleIsValid(tuple)) return false;
    const bool same_name =
        std::strcmp(NameStr(reinterpret_cast<Form_pg_authid>(GETSTRUCT(tuple))->rolname),
                    NameStr(*DatumGetName(name_datum))) == 0;
    ReleaseSysCache(tuple);
    return same_name && has_privs_of_role(caller, role) && !role_too_wide(role, extension);
}

// The snapshot auth.products is read under: the latest (see the top of this file), or in
// parallel mode (a worker, or a leader running one), where no new snapshot may be taken,
// the statement's; the answer is then kept for this transaction only.
Snapshot bindings_snapshot() {
    if (!IsInParallelMode()) return GetLatestSnapshot();
    return ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
}

// Appends id to the growing array *ids (palloc'd in the current memory context).
void append_id(int64** ids, int* count, int* capacity, int64 id) {
    if (*count == *capacity) {
        *capacity *= 2;
        *ids = static_cast<int64*>(repalloc(*ids, sizeof(int64) * *capacity));
    }
    (*ids)[(*count)++] = id;
}

// Reads which products the caller may act for into *products (sorted, in the current
// memory context) and returns true when it is confined; false when it is not. Sets
// *invalidations_seen to the invalidation count from before anything was read (and after
// the lock on auth.products took in the invalidations pending).
bool compute_scope(Oid caller, int64** products, int* count, uint64* invalidations_seen) {
    *products = nullptr;
    *count = 0;
    checks::CallTables tables;
    checks::begin_call(&tables);
    Relation relation = checks::table(&tables, checks::kProducts)->heap;
    products_relid = RelationGetRelid(relation);
    *invalidations_seen = invalidations;

    const Oid signin = get_role_oid("auth_signin", true);
    const Oid admin = get_role_oid("auth_admin", true);
    const AttrNumber id_column = column_named(relation, "id");
    const BindingColumns bindings[2] = {
        {column_named(relation, "app_role_oid"), column_named(relation, "app_role")},
        {column_named(relation, "admin_role_oid"), column_named(relation, "admin_role")},
    };
    bool v2 = OidIsValid(signin) && id_column != InvalidAttrNumber;
    for (const BindingColumns& binding : bindings)
        v2 = v2 && binding.oid != InvalidAttrNumber && binding.name != InvalidAttrNumber;
    if (!v2 || has_privs_of_role(caller, signin) ||
        (OidIsValid(admin) && has_privs_of_role(caller, admin))) {
        checks::close_tables(&tables);
        return false;
    }

    const ExtensionRoles extension = extension_roles();
    Snapshot snapshot = RegisterSnapshot(bindings_snapshot());
    TupleTableSlot* slot = table_slot_create(relation, nullptr);
    TableScanDesc scan = table_beginscan(relation, snapshot, 0, nullptr);
    int capacity = 8;
    *products = static_cast<int64*>(palloc(sizeof(int64) * capacity));
    while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
        bool id_null;
        const Datum id = slot_getattr(slot, id_column, &id_null);
        if (id_null) continue;
        for (const BindingColumns& binding : bindings) {
            if (bound_to_caller(slot, binding, caller, extension)) {
                append_id(products, count, &capacity, DatumGetInt64(id));
                break;
            }
        }
    }
    table_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    UnregisterSnapshot(snapshot);
    checks::close_tables(&tables);
    *count = static_cast<int>(core::sort_unique_ids(*products, static_cast<std::size_t>(*count)));
    return true;
}

// Reads which products require aal2 into the cache (none at 0.1.0, which has no column
// mfa_required), under the same snapshot rule as the scopes.
void load_mfa_products() {
    checks::CallTables tables;
    checks::begin_call(&tables);
    Relation relation = checks::table(&tables, checks::kProducts)->heap;
    products_relid = RelationGetRelid(relation);
    const uint64 invalidations_before = invalidations;
    const AttrNumber id_column = column_named(relation, "id");
    const AttrNumber mfa_column = column_named(relation, "mfa_required");
    int capacity = 8;
    int count = 0;
    int64* ids = static_cast<int64*>(palloc(sizeof(int64) * capacity));
    if (id_column != InvalidAttrNumber && mfa_column != InvalidAttrNumber) {
        Snapshot snapshot = RegisterSnapshot(bindings_snapshot());
        TupleTableSlot* slot = table_slot_create(relation, nullptr);
        TableScanDesc scan = table_beginscan(relation, snapshot, 0, nullptr);
        while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
            bool id_null;
            bool mfa_null;
            const Datum id = slot_getattr(slot, id_column, &id_null);
            const Datum required = slot_getattr(slot, mfa_column, &mfa_null);
            if (!id_null && !mfa_null && DatumGetBool(required)) append_id(&ids, &count, &capacity, DatumGetInt64(id));
        }
        table_endscan(scan);
        ExecDropSingleTupleTableSlot(slot);
        UnregisterSnapshot(snapshot);
    }
    checks::close_tables(&tables);
    count = static_cast<int>(core::sort_unique_ids(ids, static_cast<std::size_t>(count)));
    if (mfa_products != nullptr) pfree(mfa_products);
    mfa_products = static_cast<int64*>(MemoryContextAlloc(cache_memory, sizeof(int64) * (count > 0 ? count : 1)));
    if (count > 0) memcpy(mfa_products, ids, sizeof(int64) * count);
    mfa_count = count;
    pfree(ids);
    // Kept unless an invalidation arrived meanwhile, or read in parallel mode.
    mfa_valid = invalidations == invalidations_before && !IsInParallelMode();
}

// The slot to keep a new answer in: a free one, else the least recently used.
CachedScope* slot_to_reuse() {
    CachedScope* oldest = &cached[0];
    for (CachedScope& entry : cached) {
        if (!entry.valid) return &entry;
        if (entry.last_used < oldest->last_used) oldest = &entry;
    }
    return oldest;
}

// The role name as the contract's messages show it (auth.shown), or its OID if the role
// has just been dropped.
void shown_role(Oid role, char* out) {
    const char* name = GetUserNameFromId(role, true);
    char oid_text[16];
    if (name == nullptr) {
        snprintf(oid_text, sizeof oid_text, "%u", role);
        name = oid_text;
    }
    core::shown_name(name, out, core::kShownNameCapacity);
}

}  // namespace

core::ClientScope caller_scope(Oid caller) {
    const LocalTransactionId lxid = MyProc->lxid;
    for (CachedScope& entry : cached) {
        if (entry.valid && entry.role == caller && (!entry.transient || entry.lxid == lxid)) {
            entry.last_used = ++use_clock;
            return {entry.confined, entry.products, static_cast<std::size_t>(entry.count)};
        }
    }

    register_callbacks();
    int64* products;
    int count;
    uint64 invalidations_before;
    const bool confined = compute_scope(caller, &products, &count, &invalidations_before);

    CachedScope* entry = slot_to_reuse();
    if (entry->products != nullptr) pfree(entry->products);
    entry->valid = false;
    entry->products = nullptr;
    entry->count = 0;
    if (confined && count > 0) {
        entry->products =
            static_cast<int64*>(MemoryContextAlloc(cache_memory, sizeof(int64) * count));
        memcpy(entry->products, products, sizeof(int64) * count);
        entry->count = count;
    }
    if (products != nullptr) pfree(products);
    entry->role = caller;
    entry->confined = confined;
    entry->transient = IsInParallelMode();
    entry->lxid = lxid;
    entry->last_used = ++use_clock;
    // Not kept when an invalidation arrived meanwhile; it still answers this call.
    entry->valid = invalidations == invalidations_before;
    return {entry->confined, entry->products, static_cast<std::size_t>(entry->count)};
}

bool product_requires_mfa(int64 product_id) {
    register_callbacks();
    if (!mfa_valid) load_mfa_products();
    return core::contains_id(mfa_products, static_cast<std::size_t>(mfa_count), product_id);
}

void require_client(Oid caller, const core::ClientScope& scope) {
    if (!core::client_of_nothing(scope)) return;
    char role[core::kShownNameCapacity];
    shown_role(caller, role);
    keep_statement_out_of_error_log();  // auth_session_user's argument is a token
    ereport(
        ERROR,
        (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
         errmsg("permission denied: role %s is neither a sign-in service nor the app of a product",
                role),
         errhint("Grant it auth_signin, or bind it to its product with auth_set_app_role.")));
}

void refuse_product(Oid caller, Datum product_name) {
    char role[core::kShownNameCapacity];
    char product[core::kShownNameCapacity];
    shown_role(caller, role);
    const text* name = DatumGetTextPP(product_name);
    core::shown_name(std::string_view(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)), product,
                     sizeof product);
    keep_statement_out_of_error_log();
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("permission denied: role %s may not act for product %s", role, product)));
}

}  // namespace auth::pg

// auth.products_changed() RETURNS trigger: after any statement that changes
// auth.products, a relcache invalidation of the table, so every backend forgets the
// client scopes it computed from it (and the relation OIDs of the checks). Sent with the
// transaction's other invalidations when it commits; seen at once by this backend's next
// command, and undone with a rollback.
AUTH_SQL_FUNCTION(auth_products_changed) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("auth.products_changed() may only be called as a trigger")));
    const auto* data = reinterpret_cast<TriggerData*>(fcinfo->context);
    CacheInvalidateRelcache(data->tg_relation);
    return PointerGetDatum(nullptr);
}
