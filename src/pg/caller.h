// The role that called the extension, for code deep inside an implementation.
#pragma once

#include "pg/postgres_headers.h"

namespace auth::pg {

// The caller the outermost auth_call_with_caller trampoline of this backend captured
// (the role its SECURITY DEFINER implementation receives), or, outside any trampoline,
// the session's current role (GetOuterUserId: SET ROLE's, unchanged by SECURITY DEFINER).
Oid calling_role();

}  // namespace auth::pg
