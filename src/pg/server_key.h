// The server key file: made by the postmaster when the library is preloaded, read by
// each backend on first use, kept in backend memory and wiped at exit.
#pragma once

#include <string>
#include <string_view>

#include "core/sealed.h"

namespace auth::pg {

// The file's name, in the data directory's root (so pg_basebackup copies it).
inline constexpr const char* kServerKeyFile = "auth_server_key";

// In the postmaster (shared_preload_libraries): makes the key file from libsodium's
// random source, mode 0600, if there is none; never on a server in recovery (a standby
// must use its primary's copy). Logs what it did; never raises.
void create_server_key_file_if_absent();

// Registers the exit callback that wipes the cached keys. Call before any C++ object
// of the calling frame exists (it is a PostgreSQL call).
void prepare_server_keys();

// The keys, read from the file on first use, and again when the file changed since (a
// rotation by another backend) or when reload is set. Throws pg::SqlError: 58P01 when
// the file is missing, 55000 when it cannot be read, is readable by others or is
// malformed, each with a hint.
const core::sealed::KeyRing& server_keys(bool reload = false);

// The glue's interface for secrets at rest (auth.seal and auth.unseal use it, and so can
// any C++ entry point that seals, such as a TOTP secret's). Call prepare_server_keys()
// first, from a plain frame. seal_value: plaintext sealed under the newest key, bound to
// context. open_sealed: the plaintext into out (the caller wipes it); throws 22023 for
// bytes that are no sealed value, pg::SqlError 55000 (with a hint) when the key file
// lacks the value's key, XX001 when it does not open in this context.
std::string seal_value(std::string_view plaintext, std::string_view context);
void open_sealed(std::string_view sealed, std::string_view context, std::string& out);

// Appends a new random key to the file (it seals from now on; the others still open)
// and returns its id. Throws pg::SqlError as server_keys does, or 58030 when the file
// cannot be written.
std::string add_server_key();

}  // namespace auth::pg
