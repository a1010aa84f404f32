// Failed checks counted where no rollback reaches them.
//
// A client could check a password inside a transaction or a savepoint, keep the answer
// and roll back: a count kept in its own transaction would vanish with it. So a failure
// is handed to a background worker of the same database (one per database, started on
// demand, gone after a second of idleness) that records it in auth.login_failures and
// the audit log in a transaction of its own, and the check returns its answer only once
// that transaction has committed. Only that worker writes auth.login_failures, so a
// failed check never waits on a row lock another client holds.
// On a hot standby, which cannot write, failures are counted in shared memory and lock
// there. Both need the library preloaded (shared_preload_libraries = 'auth').
#pragma once

#include "pg/postgres_headers.h"

#include "core/lockout.h"

namespace auth::pg {

// Reserves the shared memory and lock of the recorder; called from _PG_init while
// shared_preload_libraries is being processed.
void request_failure_recorder();

// Whether the library was loaded by shared_preload_libraries.
bool library_preloaded();

// Raises 55000, with a hint, when the library was not preloaded: without the worker a
// failure could not be counted for good.
void require_preloaded(const char* function_name);

// One failed check to record. Strings are NUL-terminated and short (event < 64 bytes,
// factor < 16, detail, a JSON object, < 1024); user_id 0 is an unknown user (the audit
// row is written, with no user, and nothing is counted).
struct FailureReport {
    int64 user_id;
    int64 product_id;  // 0: none
    Oid caller;
    const char* factor;  // "password" or "mfa"
    bool counted;        // counts toward the lockout (a wrong secret)
    const char* event;   // the audit row's event
    const char* detail;  // the audit row's detail
};

// Records a failure: on a primary through the worker, returning once it committed; on a
// standby in shared memory (counted failures only; no audit row). Raises on a cancel or
// when the worker cannot run. Holds plain data only (border.h).
void record_failure(const FailureReport& report);

// Clears the count and lock of a user's factor (factor NULL: every factor), the same way,
// returning once done.
void clear_failures(int64 user_id, const char* factor);

// The standby's own count for a user's factor (zero state when none or on a primary).
core::FailureState memory_failure_state(int64 user_id, const char* factor);

}  // namespace auth::pg
