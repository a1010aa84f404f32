// The server key file: made by the postmaster when the library is preloaded, read by
// each backend on first use, kept in backend memory and wiped at exit.
#pragma once

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

// Appends a new random key to the file (it seals from now on; the others still open)
// and returns its id. Throws pg::SqlError as server_keys does, or 58030 when the file
// cannot be written.
std::string add_server_key();

}  // namespace auth::pg
