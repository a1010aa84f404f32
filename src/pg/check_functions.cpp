// The checks apps make on every request: auth_has_role and auth_has_permission.
//
// They read the tables directly through their indexes (check_relations.h) rather than
// through SQL, so a call costs a handful of index probes and no planning, executor start
// or identity switch. They are neither SECURITY DEFINER nor carry a SET clause; the
// reads they make are fixed here, with nothing a caller's search_path could redirect.
// They hold no C++ objects: a PostgreSQL error raised inside passes straight through.
//
// A confined caller (client_scope.h) may ask only about its own products: naming another
// product, or one that does not exist, raises 42501, the contract's one exception to
// "checks never raise"; a caller confined to no product gets 42501 from every call. A
// NULL user, product or role/permission answers false before any of that, as in 0.1.0.
#include "pg/postgres_headers.h"

#include "pg/border.h"
#include "pg/check_relations.h"
#include "pg/client_scope.h"
#include "pg/transaction_context.h"

#include <string_view>

#include "core/membership_rule.h"

using namespace auth::pg::checks;
using auth::core::membership_open;
using auth::core::membership_status;
using auth::core::MembershipStatus;

namespace {

// A set of ids in insertion order, in the call's memory context: a list to walk, and
// an open-addressing hash index over it, so a membership test costs the same for ten
// roles or for thousands.
struct IdList {
    int64* items;
    int count;
    int* slots;      // index into items plus one; 0: empty
    int slot_mask;   // slots has slot_mask + 1 entries, a power of two over twice count
};

// Where an id's search starts in the hash index: a multiplicative hash, so consecutive
// ids (serial keys) spread over the slots.
uint32 slot_of(int64 id, int mask) {
    uint64 h = static_cast<uint64>(id) * UINT64CONST(0x9E3779B97F4A7C15);
    return static_cast<uint32>(h >> 32) & static_cast<uint32>(mask);
}

// An empty list with room for 16 ids, enough for most calls without growing.
void id_list_init(IdList* list) {
    list->count = 0;
    list->slot_mask = 31;
    list->items = static_cast<int64*>(palloc(sizeof(int64) * (list->slot_mask + 1) / 2));
    list->slots = static_cast<int*>(palloc0(sizeof(int) * (list->slot_mask + 1)));
}

// Whether the id is in the list: one probe of the hash index, whatever the list's size.
bool id_list_contains(const IdList* list, int64 id) {
    for (uint32 s = slot_of(id, list->slot_mask);; s = (s + 1) & list->slot_mask) {
        const int at = list->slots[s];
        if (at == 0) return false;
        if (list->items[at - 1] == id) return true;
    }
}

// Adds an id not yet in the list.
void id_list_add(IdList* list, int64 id) {
    if ((list->count + 1) * 2 > list->slot_mask + 1) {
        list->slot_mask = list->slot_mask * 2 + 1;
        list->items = static_cast<int64*>(repalloc(list->items, sizeof(int64) * (list->slot_mask + 1) / 2));
        pfree(list->slots);
        list->slots = static_cast<int*>(palloc0(sizeof(int) * (list->slot_mask + 1)));
        for (int i = 0; i < list->count; i++) {
            uint32 s = slot_of(list->items[i], list->slot_mask);
            while (list->slots[s] != 0) s = (s + 1) & list->slot_mask;
            list->slots[s] = i + 1;
        }
    }
    list->items[list->count++] = id;
    uint32 s = slot_of(id, list->slot_mask);
    while (list->slots[s] != 0) s = (s + 1) & list->slot_mask;
    list->slots[s] = list->count;
}

// The id of the single row matching the keys already added to read, or false.
bool single_id(IndexRead* read, Column id_column, int64* id) {
    if (!next_row(read)) return false;
    const bool found = row_int8(read, id_column, id);
    end_read(read);
    return found;
}

// products.id by name.
bool product_id(CallTables* tables, Datum name, int64* id) {
    IndexRead read;
    begin_read(tables, kProducts, &read);
    add_text_key(&read, name);
    return single_id(&read, kProductId, id);
}

// roles.id by product and name, or permissions.id likewise.
bool named_in_product(CallTables* tables, Table which, Column id_column, int64 product, Datum name, int64* id) {
    IndexRead read;
    begin_read(tables, which, &read);
    add_int8_key(&read, product);
    add_text_key(&read, name);
    return single_id(&read, id_column, id);
}

// tenants.id by name.
bool tenant_id(CallTables* tables, Datum name, int64* id) {
    IndexRead read;
    begin_read(tables, kTenants, &read);
    add_text_key(&read, name);
    return single_id(&read, kTenantId, id);
}

// The status a user_products.status datum names.
MembershipStatus status_of(Datum text_value) {
    text* value = DatumGetTextPP(text_value);
    return membership_status(std::string_view(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)));
}

// The status of the user's membership in the product, product-wide (no tenant) or in
// the tenant: one probe of user_products_key.
MembershipStatus membership(CallTables* tables, int64 user, int64 product, bool in_tenant, int64 tenant) {
    IndexRead read;
    begin_read(tables, kUserProducts, &read);
    add_int8_key(&read, user);
    add_int8_key(&read, product);
    if (in_tenant)
        add_int8_key(&read, tenant);
    else
        add_null_key(&read);
    if (!next_row(&read)) return MembershipStatus::none;
    bool is_null;
    const MembershipStatus status = status_of(row_datum(&read, kMembershipStatus, &is_null));
    end_read(&read);
    return status;
}

// Whether the user's roles count in the product (and tenant, when named): the user is
// active, and the membership is open (core/membership_rule.h).
bool roles_count(CallTables* tables, int64 user, int64 product, bool tenant_named, int64 tenant) {
    const MembershipStatus product_wide = membership(tables, user, product, false, 0);
    if (product_wide == MembershipStatus::suspended) return false;
    const MembershipStatus in_tenant =
        tenant_named ? membership(tables, user, product, true, tenant) : MembershipStatus::none;
    if (!membership_open(product_wide, in_tenant)) return false;

    IndexRead read;
    begin_read(tables, kUsers, &read);
    add_int8_key(&read, user);
    if (!next_row(&read)) return false;
    bool is_null;
    const Datum active = row_datum(&read, kUserIsActive, &is_null);
    const bool is_active = !is_null && DatumGetBool(active);
    end_read(&read);
    return is_active;
}

// The user's grants in this product that apply here: product-wide ones, and the
// tenant's when named. Grants in other products are not read, so they cost nothing.
// Read from the entries of user_roles_product_idx (user_id, product_id, role_id,
// tenant_id) alone.
void applicable_grants(CallTables* tables, int64 user, int64 product, bool tenant_named, int64 tenant,
                       IdList* roles) {
    IndexRead read;
    begin_index_only_read(tables, kUserRoles, &read);
    add_int8_key(&read, user);
    const bool by_product = grants_by_product();  // else 0.1.0's user_roles_key: all products
    if (by_product) add_int8_key(&read, product);
    const int role_column = by_product ? 3 : 2;
    while (next_row(&read)) {
        int64 role;
        int64 row_tenant;
        if (!index_int8(&read, role_column, &role)) continue;
        const bool has_tenant = index_int8(&read, role_column + 1, &row_tenant);
        if ((!has_tenant || (tenant_named && row_tenant == tenant)) && !id_list_contains(roles, role))
            id_list_add(roles, role);
    }
}

// Whether a granted role is one of the wanted roles or includes one at any depth:
// walks the inheritance graph upwards from the wanted roles, each role once.
bool reaches_granted(CallTables* tables, IdList* wanted, const IdList* granted) {
    for (int next = 0; next < wanted->count; next++) {
        const int64 role = wanted->items[next];
        if (id_list_contains(granted, role)) return true;
        IndexRead read;
        begin_read(tables, kRoleInherits, &read);
        add_int8_key(&read, role);
        while (next_row(&read)) {
            int64 including;
            if (row_int8(&read, kInheritsRoleId, &including) && !id_list_contains(wanted, including))
                id_list_add(wanted, including);
        }
    }
    return false;
}

// Shared by both checks: the answer for a user, a product and the roles wanted in it.
// wanted_by_name reads the roles the question names into `wanted`; false: none exist.
using WantedRoles = bool (*)(CallTables*, int64 product, Datum name, IdList* wanted);

// The answer for a user in a product (and tenant, when named), once the question's names
// are resolved. Most questions are answered "no" by the grants alone: they are read
// first, from the index; the membership and the user's row are read only for a role
// that is held.
bool answer_for(CallTables* tables, int64 user, int64 product, bool tenant_named, int64 tenant, Datum wanted_name,
                WantedRoles wanted_by_name) {
    IdList wanted;
    IdList granted;
    id_list_init(&wanted);
    id_list_init(&granted);
    if (!wanted_by_name(tables, product, wanted_name, &wanted)) return false;
    applicable_grants(tables, user, product, tenant_named, tenant, &granted);
    return granted.count > 0 && reaches_granted(tables, &wanted, &granted) &&
           roles_count(tables, user, product, tenant_named, tenant);
}

// auth_has_role/auth_has_permission(user, product, name, tenant): checks the caller,
// resolves the names, and answers.
bool check(FunctionCallInfo fcinfo, WantedRoles wanted_by_name) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2)) return false;
    const int64 user = PG_GETARG_INT64(0);
    // Detoasted once here, not at every comparison the index search makes.
    const Datum product_name = PointerGetDatum(PG_GETARG_TEXT_PP(1));
    const Datum wanted_name = PointerGetDatum(PG_GETARG_TEXT_PP(2));
    const bool tenant_named = PG_NARGS() > 3 && !PG_ARGISNULL(3);
    const Oid caller = GetUserId();
    const auth::core::ClientScope scope = auth::pg::caller_scope(caller);
    auth::pg::require_client(caller, scope);

    CallTables tables;
    begin_call(&tables);
    bool answer = false;
    int64 product = 0;
    int64 tenant = 0;
    const bool product_exists = product_id(&tables, product_name, &product);
    if (!auth::core::may_act_for(scope, product_exists, product)) {
        close_tables(&tables);
        auth::pg::refuse_product(caller, product_name);
    }
    // Most questions are answered "no" by the grants alone (see answer_for).
    if (product_exists &&
        (!tenant_named || tenant_id(&tables, PointerGetDatum(PG_GETARG_TEXT_PP(3)), &tenant)))
        answer = answer_for(&tables, user, product, tenant_named, tenant, wanted_name, wanted_by_name);
    close_tables(&tables);
    return answer;
}

// The same question about the user and product auth_begin bound to the transaction
// (auth_current_has_role/permission(name, tenant)): the tenant named, else the bound one.
// False when nothing, or no product, is bound. No caller check: the binding was made by
// auth_begin for a caller that was allowed that product.
bool current_check(FunctionCallInfo fcinfo, WantedRoles wanted_by_name) {
    const auth::pg::Binding* binding = auth::pg::current_binding();
    if (binding == nullptr || !binding->has_product || PG_ARGISNULL(0)) return false;
    const Datum wanted_name = PointerGetDatum(PG_GETARG_TEXT_PP(0));
    const bool tenant_given = PG_NARGS() > 1 && !PG_ARGISNULL(1);
    CallTables tables;
    begin_call(&tables);
    bool answer = false;
    bool tenant_named = binding->has_tenant;
    int64 tenant = binding->tenant_id;
    if (tenant_given) tenant_named = tenant_id(&tables, PointerGetDatum(PG_GETARG_TEXT_PP(1)), &tenant);
    if (tenant_named || !tenant_given)
        answer = answer_for(&tables, binding->user_id, binding->product_id, tenant_named, tenant, wanted_name,
                            wanted_by_name);
    close_tables(&tables);
    return answer;
}

// The role named, if it exists in the product.
bool role_by_name(CallTables* tables, int64 product, Datum name, IdList* wanted) {
    int64 role;
    if (!named_in_product(tables, kRoles, kRoleId, product, name, &role)) return false;
    id_list_add(wanted, role);
    return true;
}

// The roles that carry the permission named, if it exists in the product.
bool roles_with_permission(CallTables* tables, int64 product, Datum name, IdList* wanted) {
    int64 permission;
    if (!named_in_product(tables, kPermissions, kPermissionId, product, name, &permission)) return false;
    IndexRead read;
    begin_read(tables, kRolePermissions, &read);
    add_int8_key(&read, permission);
    while (next_row(&read)) {
        int64 role;
        if (row_int8(&read, kRolePermissionsRoleId, &role) && !id_list_contains(wanted, role))
            id_list_add(wanted, role);
    }
    return wanted->count > 0;
}

}  // namespace

// auth_has_role(user_id bigint, product text, role text, tenant text) RETURNS boolean
AUTH_SQL_FUNCTION(auth_has_role) { PG_RETURN_BOOL(check(fcinfo, role_by_name)); }

// auth_has_permission(user_id bigint, product text, permission text, tenant text) RETURNS boolean
AUTH_SQL_FUNCTION(auth_has_permission) { PG_RETURN_BOOL(check(fcinfo, roles_with_permission)); }

// auth_current_has_role(role text, tenant text) RETURNS boolean
AUTH_SQL_FUNCTION(auth_current_has_role) { PG_RETURN_BOOL(current_check(fcinfo, role_by_name)); }

// auth_current_has_permission(permission text, tenant text) RETURNS boolean
AUTH_SQL_FUNCTION(auth_current_has_permission) { PG_RETURN_BOOL(current_check(fcinfo, roles_with_permission)); }
