// The single border between C++ and PostgreSQL error handling.
//
// Every SQL-callable C++ function is written with AUTH_SQL_FUNCTION. Its body runs
// inside run_at_border, which catches every C++ exception and raises the matching
// PostgreSQL error only after the try block, and with it every C++ object, is gone.
// PostgreSQL raises errors with longjmp, which skips C++ destructors, so a body calls
// PostgreSQL functions that can raise only while it holds plain data (pointers, ints);
// while C++ objects are alive it uses the helpers in values.h, which cannot raise.
#pragma once

#include "pg/postgres_headers.h"

namespace auth::pg {

using SqlFunctionBody = Datum (*)(FunctionCallInfo);

// An error of the glue itself with a SQLSTATE and a hint of its own (a missing server key
// file, say), where a core::Error kind would not say enough. Texts are cut to fit.
class SqlError {
public:
    SqlError(int sqlstate, const char* message, const char* hint);
    int sqlstate;
    char message[256];
    char hint[400];
};

// Runs body, turning any C++ exception into a PostgreSQL error with its SQLSTATE.
Datum run_at_border(FunctionCallInfo fcinfo, SqlFunctionBody body);

}  // namespace auth::pg

// Declares a SQL-callable function `name` whose body runs at the border.
#define AUTH_SQL_FUNCTION(name)                                                      \
    static Datum name##_body(FunctionCallInfo fcinfo);                               \
    extern "C" {                                                                     \
    PG_FUNCTION_INFO_V1(name);                                                       \
    Datum name(PG_FUNCTION_ARGS) { return auth::pg::run_at_border(fcinfo, name##_body); } \
    }                                                                                \
    static Datum name##_body(FunctionCallInfo fcinfo)
