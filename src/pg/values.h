// Moving values between PostgreSQL datums and C++ without raising PostgreSQL errors
// while C++ objects are alive (see border.h).
#pragma once

#include <string_view>

#include "pg/postgres_headers.h"

namespace auth::pg {

// A text argument's bytes. Plain data: it may live in a frame that PostgreSQL unwinds.
struct TextArg {
    const char* data;
    std::size_t size;
    bool is_copy;  // detoasted into memory of our own, so we may wipe it

    std::string_view view() const { return {data, size}; }
};

// Reads argument n (not NULL). Detoasting can raise, so call it before any C++ object
// exists in the calling frame.
TextArg text_arg(FunctionCallInfo fcinfo, int n);

// Zeroes a detoasted copy of a secret argument; the caller's own datum is left alone.
void wipe_copy(const TextArg& arg);

// A text datum holding these bytes; throws std::bad_alloc instead of raising.
Datum text_datum(std::string_view bytes);

// A bytea datum holding these bytes; throws std::bad_alloc instead of raising.
Datum bytea_datum(const unsigned char* bytes, std::size_t size);

}  // namespace auth::pg
