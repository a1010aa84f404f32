// How a function learns who called it.
//
// A SECURITY DEFINER function runs as the extension's owner, so inside it current_user
// no longer names the caller. Public functions that must know the caller (to check a
// product's admin_role, and to write the audit row) are declared LANGUAGE C with this
// entry point instead: it reads the role in effect at the call site, then calls the
// implementation auth.<name without "auth_">(caller regrole, <same arguments>), a
// SECURITY DEFINER function with a pinned search_path on which no role but the owner
// holds EXECUTE. fmgr does not check EXECUTE, so this entry point is its only way in.
//
// It holds no C++ objects, so PostgreSQL errors raised by the implementation pass through.
#include "pg/postgres_headers.h"

#include "pg/border.h"
#include "pg/caller.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/syscache.h"
}

#include <cstring>

namespace {

// The caller of the outermost trampoline running now, else InvalidOid.
Oid outermost_caller = InvalidOid;

constexpr const char kPublicPrefix[] = "auth_";
constexpr std::size_t kPublicPrefixLength = sizeof kPublicPrefix - 1;

// Finds the implementation of the public function flinfo describes, once per FmgrInfo.
FmgrInfo* find_implementation(FmgrInfo* flinfo) {
    HeapTuple public_tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(flinfo->fn_oid));
    if (!HeapTupleIsValid(public_tuple))
        elog(ERROR, "cache lookup failed for function %u", flinfo->fn_oid);
    auto* public_proc = reinterpret_cast<Form_pg_proc>(GETSTRUCT(public_tuple));
    const char* public_name = NameStr(public_proc->proname);
    if (std::strncmp(public_name, kPublicPrefix, kPublicPrefixLength) != 0)
        elog(ERROR, "function %s is not an auth_ function", public_name);

    NameData impl_name;
    namestrcpy(&impl_name, public_name + kPublicPrefixLength);
    const int nargs = public_proc->pronargs + 1;
    Oid argtypes[FUNC_MAX_ARGS];
    argtypes[0] = REGROLEOID;
    std::memcpy(argtypes + 1, public_proc->proargtypes.values, public_proc->pronargs * sizeof(Oid));
    ReleaseSysCache(public_tuple);

    // Catalog lookups by OID: no search_path, and no USAGE needed on schema auth.
    const Oid auth_schema = get_namespace_oid("auth", false);
    HeapTuple impl_tuple =
        SearchSysCache3(PROCNAMEARGSNSP, NameGetDatum(&impl_name),
                        PointerGetDatum(buildoidvector(argtypes, nargs)), ObjectIdGetDatum(auth_schema));
    if (!HeapTupleIsValid(impl_tuple))
        elog(ERROR, "auth.%s is missing: the extension is damaged", NameStr(impl_name));
    const Oid impl_oid = reinterpret_cast<Form_pg_proc>(GETSTRUCT(impl_tuple))->oid;
    ReleaseSysCache(impl_tuple);

    auto* impl = static_cast<FmgrInfo*>(MemoryContextAlloc(flinfo->fn_mcxt, sizeof(FmgrInfo)));
    fmgr_info_cxt(impl_oid, impl, flinfo->fn_mcxt);
    flinfo->fn_extra = impl;
    return impl;
}

}  // namespace

// Every public auth_* function that needs its caller: captures the caller, then runs
// the implementation with the caller as its first argument.
AUTH_SQL_FUNCTION(auth_call_with_caller) {
    const Oid caller = GetUserId();
    auto* impl = static_cast<FmgrInfo*>(fcinfo->flinfo->fn_extra);
    if (impl == nullptr) impl = find_implementation(fcinfo->flinfo);

    LOCAL_FCINFO(inner, FUNC_MAX_ARGS);
    InitFunctionCallInfoData(*inner, impl, fcinfo->nargs + 1, fcinfo->fncollation,
                             fcinfo->context, fcinfo->resultinfo);
    inner->args[0].value = ObjectIdGetDatum(caller);
    inner->args[0].isnull = false;
    for (int i = 0; i < fcinfo->nargs; i++) inner->args[i + 1] = fcinfo->args[i];

    // An error or warning raised by the implementation carries no context of the calling
    // statement: in particular not its bind parameters, which PostgreSQL attaches to every
    // report while log_parameter_max_length_on_error (a setting any role, and a database
    // owner for a whole database, may change) is not 0, and which hold the passwords and
    // tokens these functions receive. The implementation's own context lines stay. On an
    // error, whoever catches it restores the stack it saved (PG_TRY does).
    ErrorContextCallback* const caller_context = error_context_stack;
    error_context_stack = nullptr;
    Datum result;
    if (OidIsValid(outermost_caller)) {
        result = FunctionCallInvoke(inner);
    } else {
        // The outermost call names the caller for calling_role() (the hash slots' turns);
        // an implementation calling another public function does not replace it.
        outermost_caller = caller;
        PG_TRY();
        {
            result = FunctionCallInvoke(inner);
        }
        PG_FINALLY();
        {
            outermost_caller = InvalidOid;
        }
        PG_END_TRY();
    }
    error_context_stack = caller_context;
    fcinfo->isnull = inner->isnull;
    return result;
}

// See caller.h.
Oid auth::pg::calling_role() { return OidIsValid(outermost_caller) ? outermost_caller : GetOuterUserId(); }
