// The library's entry: module magic and what happens once when a backend loads it.
#include "pg/postgres_headers.h"

#include "core/password_hash.h"
#include "pg/failure_recorder.h"
#include "pg/hash_slots.h"
#include "pg/server_key.h"
#include "pg/settings.h"
#include "pg/transaction_context.h"

extern "C" {
PG_MODULE_MAGIC;

// Initialises libsodium and registers the auth.* settings when the library is loaded.
PGDLLEXPORT void _PG_init(void);
void _PG_init(void) {
    bool crypto_ready = true;
    try {
        auth::core::init_crypto();
    } catch (...) {
        crypto_ready = false;
    }
    if (!crypto_ready)
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("libsodium could not be initialised")));
    auth::pg::define_settings();
    // The context auth_begin binds ends with the transaction (transaction callbacks).
    auth::pg::register_transaction_context();
    // The server-wide bound on concurrent hashes lives in shared memory reserved at start.
    if (process_shared_preload_libraries_in_progress) {
        auth::pg::request_hash_slots();
        // Failed checks are recorded by a background worker, with a queue in shared memory.
        auth::pg::request_failure_recorder();
        // The server key that seals secrets at rest: made once, in the data directory.
        auth::pg::create_server_key_file_if_absent();
    }
}
}
