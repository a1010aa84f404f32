#include "pg/postgres_headers.h"

#include "pg/border.h"

#include <cstring>
#include <exception>
#include <new>

#include "core/error.h"

namespace auth::pg {
namespace {

// What is left of an exception once it is gone: plain bytes, safe across longjmp.
struct Failure {
    int sqlstate = 0;
    char message[512] = {};
    char detail[512] = {};
    char hint[512] = {};
};

// Copies an exception's text into a Failure buffer, cut to fit and NUL-terminated, so
// it outlives the exception.
void copy_text(char* to, std::size_t capacity, const char* from) {
    std::strncpy(to, from, capacity - 1);
    to[capacity - 1] = '\0';
}

// The SQLSTATE the contract gives a core error kind (22004, 22023 or XX000).
int sqlstate_of(core::ErrorKind kind) {
    switch (kind) {
        case core::ErrorKind::null_value: return ERRCODE_NULL_VALUE_NOT_ALLOWED;
        case core::ErrorKind::invalid_value: return ERRCODE_INVALID_PARAMETER_VALUE;
        case core::ErrorKind::internal: return ERRCODE_INTERNAL_ERROR;
    }
    return ERRCODE_INTERNAL_ERROR;
}

}  // namespace

SqlError::SqlError(int state, const char* text, const char* hint_text) : sqlstate(state) {
    copy_text(message, sizeof message, text);
    copy_text(hint, sizeof hint, hint_text ? hint_text : "");
}

Datum run_at_border(FunctionCallInfo fcinfo, SqlFunctionBody body) {
    Failure failure;
    try {
        return body(fcinfo);
    } catch (const core::Error& e) {
        failure.sqlstate = sqlstate_of(e.kind());
        copy_text(failure.message, sizeof failure.message, e.what());
        copy_text(failure.detail, sizeof failure.detail, e.detail().c_str());
    } catch (const SqlError& e) {
        failure.sqlstate = e.sqlstate;
        copy_text(failure.message, sizeof failure.message, e.message);
        copy_text(failure.hint, sizeof failure.hint, e.hint);
    } catch (const std::bad_alloc&) {
        failure.sqlstate = ERRCODE_OUT_OF_MEMORY;
        copy_text(failure.message, sizeof failure.message, "out of memory");
    } catch (const std::exception& e) {
        failure.sqlstate = ERRCODE_INTERNAL_ERROR;
        copy_text(failure.message, sizeof failure.message, e.what());
    } catch (...) {
        failure.sqlstate = ERRCODE_INTERNAL_ERROR;
        copy_text(failure.message, sizeof failure.message, "unexpected C++ exception");
    }
    // Every C++ object of the call is destroyed by now; raising is safe.
    ereport(ERROR, (errcode(failure.sqlstate), errmsg("%s", failure.message),
                    failure.detail[0] ? errdetail("%s", failure.detail) : 0,
                    failure.hint[0] ? errhint("%s", failure.hint) : 0));
    pg_unreachable();
}

}  // namespace auth::pg
