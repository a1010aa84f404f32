// Direct index reads of the auth tables, for the checks apps make on every request.
//
// The checks (auth_has_role, auth_has_permission, auth_session_user) read the tables through their indexes
// with the table access method, not through SQL: no planner, no executor, no SET clause
// and no SECURITY DEFINER switch per call. Relation OIDs and column numbers are resolved
// once per backend and forgotten on any relcache invalidation of those relations (a
// DROP EXTENSION, say). The data itself is never cached: every call reads it under the
// active snapshot, so a change committed by another session is seen by the next call.
// Read-only, so it works on a hot standby.
//
// Everything here is plain C-style code holding no C++ objects: PostgreSQL may raise
// (and longjmp) from any of these calls.
#pragma once

#include "pg/postgres_headers.h"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "storage/buf.h"
#include "executor/tuptable.h"
#include "utils/rel.h"
#include "utils/snapshot.h"
}

namespace auth::pg::checks {

// The tables the checks read, each with the one index they search it by.
enum Table {
    kProducts,         // products_name_key (name)
    kRoles,            // roles_name_key (product_id, name)
    kTenants,          // tenants_name_key (name)
    kUsers,            // users_pkey (id)
    kUserProducts,     // user_products_key (user_id, product_id, tenant_id)
    kUserRoles,        // user_roles_product_idx (user_id, product_id, role_id, tenant_id)
    kRoleInherits,     // role_inherits_inherited_idx (inherited_role_id)
    kPermissions,      // permissions_name_key (product_id, name)
    kRolePermissions,  // role_permissions_permission_idx (permission_id)
    kUserSessions,     // user_sessions_token_hash_key (token_hash)
    kTableCount
};

// The columns the checks read, by table.
enum Column {
    kProductId,                 // products.id
    kRoleId,                    // roles.id
    kTenantId,                  // tenants.id
    kUserIsActive,              // users.is_active
    kMembershipStatus,          // user_products.status
    kInheritsRoleId,            // role_inherits.role_id
    kPermissionId,              // permissions.id
    kRolePermissionsRoleId,     // role_permissions.role_id
    kSessionId,                 // user_sessions.id
    kSessionUserId,             // user_sessions.user_id
    kSessionExpiresAt,          // user_sessions.expires_at
    kSessionLastUsedAt,         // user_sessions.last_used_at
    kSessionRevokedAt,          // user_sessions.revoked_at
    kSessionProductId,          // user_sessions.product_id
    kSessionAal,                // user_sessions.aal (0.2.0; absent at 0.1.0: read as NULL)
    kColumnCount
};

// One open table, its index and a slot for its rows, for the length of one call.
struct OpenTable {
    Relation heap;
    Relation index;
    TupleTableSlot* slot;
};

// A scan of one table through its index, for rows equal to the given keys.
struct IndexRead {
    OpenTable* table;
    IndexScanDesc scan;
    Snapshot snapshot;
    ScanKeyData keys[3];
    int key_count;
    bool ended;
    bool index_only;   // rows are read from the index entries (see begin_index_only_read)
    Buffer vm_buffer;  // the visibility map page an index-only read last looked at
};

// The tables a call has opened; opened on first use, closed by close_tables.
struct CallTables {
    OpenTable open[kTableCount];
    bool is_open[kTableCount];
    Snapshot snapshot;
};

// Starts a call: nothing open yet, the active snapshot taken.
void begin_call(CallTables* tables);

// The table, opened (with its index) under AccessShareLock if not yet.
OpenTable* table(CallTables* tables, Table which);

// Closes what the call opened; locks stay until the transaction ends, as for a query.
void close_tables(CallTables* tables);

// The column's attribute number in its table.
AttrNumber column(Column which);

// Whether user_roles is read by (user_id, product_id, role_id, tenant_id); false in a
// database still at 0.1.0, where kUserRoles is user_roles_key (user_id, role_id, tenant_id).
bool grants_by_product();

// Begins a read of `which` for rows whose leading index columns equal the keys added
// next (add_*_key, in index column order), then run with next_row.
void begin_read(CallTables* tables, Table which, IndexRead* read);
void add_int8_key(IndexRead* read, int64 value);
void add_text_key(IndexRead* read, Datum text_value);
void add_bytea_key(IndexRead* read, Datum bytea_value);
void add_null_key(IndexRead* read);

// Like begin_read, for a read whose columns are all in the index: a row is taken from
// its index entry, and its table page is visited only when the visibility map does not
// say the page is all-visible (as an index-only scan does). Read with index_int8.
void begin_index_only_read(CallTables* tables, Table which, IndexRead* read);

// The next visible row, or false at the end (which also ends the scan).
bool next_row(IndexRead* read);

// Ends a read before its last row.
void end_read(IndexRead* read);

// The column of the current row: an int8 (false when NULL), or a datum.
bool row_int8(IndexRead* read, Column which, int64* value);

// Column n (1-based, in index order) of an index-only read's current row: an int8, false when NULL.
bool index_int8(IndexRead* read, int n, int64* value);
Datum row_datum(IndexRead* read, Column which, bool* is_null);

}  // namespace auth::pg::checks
