// SQL entry points of the lockout (internal: schema auth, called by the extension's own
// functions and by the failure recorder): the state a check decides on, and the
// recording and clearing of failures outside the caller's transaction
// (failure_recorder.h). Plain data only in these frames: they call PostgreSQL functions
// that raise.
#include "pg/postgres_headers.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/snapmgr.h"
}

#include "core/lockout.h"
#include "pg/failure_recorder.h"
#include "pg/index_plan.h"

using namespace auth;

namespace {

// Plain text of a non-NULL text argument, or NULL.
const char* text_or_null(FunctionCallInfo fcinfo, int n) {
    return PG_ARGISNULL(n) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

// A row of the function's declared OUT columns.
Datum composite(FunctionCallInfo fcinfo, Datum* values, bool* nulls) {
    TupleDesc desc = nullptr;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "auth: a lockout function was declared without OUT columns");
    desc = BlessTupleDesc(desc);
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

SPIPlanPtr state_plan = nullptr;

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(auth_require_preloaded);
PG_FUNCTION_INFO_V1(auth_failure_state);
PG_FUNCTION_INFO_V1(auth_record_failure);
PG_FUNCTION_INFO_V1(auth_clear_failures);
PG_FUNCTION_INFO_V1(auth_next_failure_state);

// auth.require_preloaded(function_name text) RETURNS void: 55000 with a hint when the
// library was not preloaded (no failure could be counted for good).
Datum auth_require_preloaded(PG_FUNCTION_ARGS) {
    pg::require_preloaded(PG_ARGISNULL(0) ? "this function" : text_to_cstring(PG_GETARG_TEXT_PP(0)));
    PG_RETURN_VOID();
}

// auth.failure_state(user_id bigint, factor text, OUT failures integer, OUT locked_until
// timestamptz): the count and lock of a user's factor as committed now, read with the
// latest snapshot (not the transaction's: a REPEATABLE READ client must see the lock its
// own failures caused), joined with the standby's own count. A NULL user: zero, unlocked.
Datum auth_failure_state(PG_FUNCTION_ARGS) {
    Datum values[2] = {Int32GetDatum(0), 0};
    bool nulls[2] = {false, true};
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) return composite(fcinfo, values, nulls);
    const int64 user_id = PG_GETARG_INT64(0);
    const char* factor = text_to_cstring(PG_GETARG_TEXT_PP(1));

    int failures = 0;
    TimestampTz locked_until = 0;
    bool locked_known = false;
    SPI_connect();
    if (state_plan == nullptr) {
        Oid types[2] = {INT8OID, TEXTOID};
        SPIPlanPtr plan = SPI_prepare(
            "SELECT f.failures, f.locked_until FROM auth.login_failures f "
            "WHERE f.user_id OPERATOR(pg_catalog.=) $1 AND f.factor OPERATOR(pg_catalog.=) $2",
            2, types);
        if (plan == nullptr) elog(ERROR, "auth.failure_state: could not prepare its query");
        SPI_keepplan(plan);
        state_plan = plan;
    }
    Datum args[2] = {Int64GetDatum(user_id), CStringGetTextDatum(factor)};
    if (pg::execute_by_index(state_plan, args, nullptr, GetLatestSnapshot(), 1) != SPI_OK_SELECT)
        elog(ERROR, "auth.failure_state: its query failed");
    if (SPI_processed == 1) {
        bool isnull = false;
        failures = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        const Datum until = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
        if (!isnull) {
            locked_until = DatumGetTimestampTz(until);
            locked_known = true;
        }
    }
    SPI_finish();

    // A standby's own count: whichever lock ends later, the higher count.
    const core::FailureState memory = pg::memory_failure_state(user_id, factor);
    if (memory.failures > failures) failures = memory.failures;
    if (memory.locked_until != 0 && (!locked_known || memory.locked_until > locked_until)) {
        locked_until = memory.locked_until;
        locked_known = true;
    }
    values[0] = Int32GetDatum(failures);
    values[1] = TimestampTzGetDatum(locked_until);
    nulls[1] = !locked_known;
    return composite(fcinfo, values, nulls);
}

// auth.record_failure(caller regrole, user_id bigint, factor text, counted boolean,
// event text, product_id bigint, detail text) RETURNS void: records a failed check where
// no rollback reaches it, returning once it is recorded (failure_recorder.h). A NULL
// user is an unknown one: its audit row is written, nothing is counted.
Datum auth_record_failure(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
        elog(ERROR, "auth.record_failure: caller, factor, counted and event are required");
    pg::FailureReport report;
    report.caller = PG_GETARG_OID(0);
    report.user_id = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1);
    report.factor = text_to_cstring(PG_GETARG_TEXT_PP(2));
    report.counted = PG_GETARG_BOOL(3);
    report.event = text_to_cstring(PG_GETARG_TEXT_PP(4));
    report.product_id = PG_ARGISNULL(5) ? 0 : PG_GETARG_INT64(5);
    report.detail = text_or_null(fcinfo, 6);
    pg::record_failure(report);
    PG_RETURN_VOID();
}

// auth.clear_failures(user_id bigint, factor text) RETURNS void: clears the count and
// lock of a user's factor (NULL: every factor) the same way, at once: a success, an
// unlock or a new password does not wait for the caller's commit.
Datum auth_clear_failures(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) PG_RETURN_VOID();
    pg::clear_failures(PG_GETARG_INT64(0), text_or_null(fcinfo, 1));
    PG_RETURN_VOID();
}

// auth.next_failure_state(failures integer, locked_until timestamptz, max_failures
// integer, lockout_seconds integer, OUT failures integer, OUT locked_until timestamptz,
// OUT counted boolean, OUT locked_now boolean): the lockout rule (core/lockout.h) applied
// to one more failure now, for the recorder's SQL.
Datum auth_next_failure_state(PG_FUNCTION_ARGS) {
    const core::FailureState before{PG_ARGISNULL(0) ? 0 : PG_GETARG_INT32(0),
                                    PG_ARGISNULL(1) ? 0 : PG_GETARG_TIMESTAMPTZ(1)};
    const core::LockoutPolicy policy{PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2),
                                     (PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3)) * USECS_PER_SEC};
    const core::FailureOutcome outcome = core::after_failure(before, GetCurrentTimestamp(), policy);
    Datum values[4] = {Int32GetDatum(outcome.state.failures), TimestampTzGetDatum(outcome.state.locked_until),
                       BoolGetDatum(outcome.counted), BoolGetDatum(outcome.locked_now)};
    bool nulls[4] = {false, outcome.state.locked_until == 0, false, false};
    return composite(fcinfo, values, nulls);
}

}  // extern "C"
