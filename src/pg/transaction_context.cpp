// The context auth_begin binds to a transaction, and its readers (auth_uid, ...).
//
// The binding lives in this backend's memory: no setting holds it, so SET and set_config
// cannot forge it, and no other backend sees it. Only auth.bind_context sets it, an
// internal function no role but the extension's owner may execute, called by auth_begin
// after it verified the credential. Transaction callbacks end it at commit, rollback and
// error; a subtransaction that aborts (ROLLBACK TO SAVEPOINT, an exception block) gives
// back the binding from before it. The readers are plain C reading a static pointer: no
// SQL, no catalog access, cheap enough for a policy evaluated per row.
#include "pg/postgres_headers.h"

extern "C" {
#include "access/parallel.h"
#include "access/xact.h"
#include "utils/memutils.h"
}

#include "core/transaction_binding.h"
#include "pg/border.h"
#include "pg/transaction_context.h"

#include <cstring>
#include <string_view>

using auth::pg::Binding;

namespace {

// A binding replaced at a subtransaction level, to give back if that level aborts.
struct SavedBinding {
    int level;                 // the nesting level whose first auth_begin replaced it
    const Binding* binding;    // nullptr: nothing was bound
    SavedBinding* below;
};

MemoryContext binding_memory = nullptr;  // reset when the top transaction ends
const Binding* bound = nullptr;
SavedBinding* saved = nullptr;

// Forgets every binding: the transaction is over.
void clear_all() {
    bound = nullptr;
    saved = nullptr;
    if (binding_memory != nullptr) MemoryContextReset(binding_memory);
}

// Ends the binding with the transaction, whichever way it ends.
void on_transaction_event(XactEvent event, void*) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
        case XACT_EVENT_PREPARE:
            clear_all();
            break;
        default:
            break;
    }
}

// Gives back, or hands to the parent, the binding saved at an ending subtransaction's level.
void on_subtransaction_event(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    if (event != SUBXACT_EVENT_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB) return;
    if (saved == nullptr) return;
    const int level = GetCurrentTransactionNestLevel();
    const int level_below = saved->below != nullptr ? saved->below->level : 0;
    switch (auth::core::saved_binding_step(saved->level, level_below, level, event == SUBXACT_EVENT_COMMIT_SUB)) {
        case auth::core::SavedBindingStep::keep:
            break;
        case auth::core::SavedBindingStep::restore:
            bound = saved->binding;
            saved = saved->below;
            break;
        case auth::core::SavedBindingStep::drop:
            saved = saved->below;
            break;
        case auth::core::SavedBindingStep::move_up:
            saved->level = level - 1;
            break;
    }
}

// A copy of a text argument in the binding's memory, or nullptr for NULL.
text* kept_text(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return nullptr;
    const text* value = PG_GETARG_TEXT_PP(n);
    const Size size = VARSIZE_ANY_EXHDR(value);
    auto* copy = static_cast<text*>(MemoryContextAlloc(binding_memory, VARHDRSZ + size));
    SET_VARSIZE(copy, VARHDRSZ + size);
    memcpy(VARDATA(copy), VARDATA_ANY(value), size);
    return copy;
}

// A copy of a bound text in the caller's memory, for a reader's result.
Datum text_result(const text* value) {
    const Size size = VARSIZE(value);
    auto* copy = static_cast<text*>(palloc(size));
    memcpy(copy, value, size);
    return PointerGetDatum(copy);
}

}  // namespace

// See transaction_context.h. A parallel worker has no binding of its own (the leader's
// lives in the leader's memory): rather than answer NULL there, and let a wrapper
// mislabelled PARALLEL SAFE return wrong rows, it raises.
const Binding* auth::pg::current_binding() {
    if (IsParallelWorker())
        ereport(ERROR, (errcode(ERRCODE_INVALID_TRANSACTION_STATE),
                        errmsg("the auth context cannot be read in a parallel worker"),
                        errhint("Functions that call auth_uid() and its siblings must be PARALLEL RESTRICTED.")));
    return bound;
}

// See transaction_context.h.
void auth::pg::register_transaction_context() {
    binding_memory = AllocSetContextCreate(TopMemoryContext, "auth transaction binding", ALLOCSET_SMALL_SIZES);
    RegisterXactCallback(on_transaction_event, nullptr);
    RegisterSubXactCallback(on_subtransaction_event, nullptr);
}

// auth.bind_context(user_id bigint, product_id bigint, product text, tenant_id bigint,
// tenant text, aal text) RETURNS void: binds what auth_begin verified, or (user NULL)
// unbinds. Internal: only the extension's owner may execute it.
AUTH_SQL_FUNCTION(auth_bind_context) {
    if (IsParallelWorker() || IsInParallelMode())
        ereport(ERROR, (errcode(ERRCODE_INVALID_TRANSACTION_STATE),
                        errmsg("auth_begin cannot run in a parallel worker or in parallel mode")));
    Binding* next = nullptr;
    if (!PG_ARGISNULL(0)) {
        next = static_cast<Binding*>(MemoryContextAllocZero(binding_memory, sizeof(Binding)));
        next->user_id = PG_GETARG_INT64(0);
        next->has_product = !PG_ARGISNULL(1);
        next->product_id = next->has_product ? PG_GETARG_INT64(1) : 0;
        next->product = kept_text(fcinfo, 2);
        next->has_tenant = !PG_ARGISNULL(3);
        next->tenant_id = next->has_tenant ? PG_GETARG_INT64(3) : 0;
        next->tenant = kept_text(fcinfo, 4);
        next->aal = kept_text(fcinfo, 5);
        if (!IsTransactionBlock())
            ereport(WARNING, (errmsg("auth_begin outside a transaction block binds for this statement only"),
                              errhint("Call auth_begin after BEGIN: the binding then lasts until the transaction ends.")));
    }
    // The first change at a subtransaction level saves the binding from before it.
    const int level = GetCurrentTransactionNestLevel();
    if (level > 1 && (saved == nullptr || saved->level < level)) {
        auto* entry = static_cast<SavedBinding*>(MemoryContextAlloc(binding_memory, sizeof(SavedBinding)));
        entry->level = level;
        entry->binding = bound;
        entry->below = saved;
        saved = entry;
    }
    bound = next;
    PG_RETURN_VOID();
}

// auth_uid() RETURNS bigint: the bound user, else NULL.
AUTH_SQL_FUNCTION(auth_uid) {
    const Binding* binding = auth::pg::current_binding();
    if (binding == nullptr) PG_RETURN_NULL();
    PG_RETURN_INT64(binding->user_id);
}

// auth_product() RETURNS text: the bound product, else NULL.
AUTH_SQL_FUNCTION(auth_product) {
    const Binding* binding = auth::pg::current_binding();
    if (binding == nullptr || binding->product == nullptr) PG_RETURN_NULL();
    return text_result(binding->product);
}

// auth_tenant() RETURNS text: the bound tenant, else NULL.
AUTH_SQL_FUNCTION(auth_tenant) {
    const Binding* binding = auth::pg::current_binding();
    if (binding == nullptr || binding->tenant == nullptr) PG_RETURN_NULL();
    return text_result(binding->tenant);
}

// auth_aal() RETURNS text: the bound credential's assurance level, else NULL.
AUTH_SQL_FUNCTION(auth_aal) {
    const Binding* binding = auth::pg::current_binding();
    if (binding == nullptr || binding->aal == nullptr) PG_RETURN_NULL();
    return text_result(binding->aal);
}

// auth.credential_kind(credential text) RETURNS text: 'session', 'api_key', 'jwt' or NULL,
// by form alone (core/transaction_binding.h). The credential never reaches a message.
AUTH_SQL_FUNCTION(auth_credential_kind) {
    const text* value = PG_GETARG_TEXT_PP(0);
    const std::string_view name = auth::core::credential_kind_name(
        auth::core::credential_kind(std::string_view(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value))));
    if (name.empty()) PG_RETURN_NULL();
    PG_RETURN_TEXT_P(cstring_to_text_with_len(name.data(), static_cast<int>(name.size())));
}

// auth.credential_binds(credential_product bigint, asked_product bigint, requires_mfa
// boolean, aal text, tenant_asked boolean, tenant_active boolean) RETURNS boolean: the
// rule of core::credential_binds.
AUTH_SQL_FUNCTION(auth_credential_binds) {
    auth::core::BindingFacts facts{};
    if (!PG_ARGISNULL(0)) facts.credential_product = PG_GETARG_INT64(0);
    if (!PG_ARGISNULL(1)) facts.asked_product = PG_GETARG_INT64(1);
    facts.product_requires_mfa = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
    if (!PG_ARGISNULL(3)) {
        const text* aal = PG_GETARG_TEXT_PP(3);
        facts.aal2 = std::string_view(VARDATA_ANY(aal), VARSIZE_ANY_EXHDR(aal)) == "aal2";
    }
    facts.tenant_asked = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
    facts.tenant_membership_active = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
    PG_RETURN_BOOL(auth::core::credential_binds(facts));
}
