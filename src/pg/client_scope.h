// Who is a client of what, for the C checks (auth_has_role, auth_has_permission,
// auth_session_user): the products the calling role may act for (API.md, "Who is a
// client of what"; the rule of auth.client_products in src/sql/30_internal.sql).
//
// Each backend remembers the answer for the last few calling roles, so a check pays a
// few comparisons for it, no SQL and no catalog read. It is forgotten when a role or a
// membership changes anywhere in the cluster (syscache callbacks on pg_authid and
// pg_auth_members) and when auth.products changes (a relcache invalidation, which the
// statement trigger auth.products_changed sends for row changes too). Everything here
// is plain data: PostgreSQL may raise from any of these calls.
#pragma once

#include "pg/postgres_headers.h"

#include "core/client_scope.h"

namespace auth::pg {

// The products the role may act for. Its products array stays valid until the next
// call of caller_scope.
core::ClientScope caller_scope(Oid caller);

// Whether the product requires aal2 sessions (products.mfa_required), remembered per
// backend with the scopes and forgotten with them.
bool product_requires_mfa(int64 product_id);

// Raises 42501 for a caller confined to no product: it may call no client function.
void require_client(Oid caller, const core::ClientScope& scope);

// Raises 42501: the caller may not act for the product it named (a text datum).
[[noreturn]] void refuse_product(Oid caller, Datum product_name);

}  // namespace auth::pg
