// Moving values between PostgreSQL datums and C++ without raising PostgreSQL errors
// while C++ objects are alive (see border.h).
#pragma once

#include "pg/postgres_headers.h"

#include <string_view>

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

// Wipes our copy of a secret argument however the C++ scope ends, a thrown exception
// included. Make it only after every call that can raise a PostgreSQL error (text_arg,
// acquire_hash_slot, ...) is done: a longjmp would skip its destructor (border.h).
class WipeOnExit {
public:
    explicit WipeOnExit(const TextArg& arg) : arg_(arg) {}
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;
    ~WipeOnExit() { wipe_copy(arg_); }

private:
    const TextArg& arg_;
};

// A text datum holding these bytes; throws std::bad_alloc instead of raising.
Datum text_datum(std::string_view bytes);

// A bytea datum holding these bytes; throws std::bad_alloc instead of raising.
Datum bytea_datum(const unsigned char* bytes, std::size_t size);

}  // namespace auth::pg
