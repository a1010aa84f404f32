// auth.max_concurrent_hashes: a server-wide bound on password hashes running at once.
// Each Argon2id run takes auth.pwhash_memlimit of memory that PostgreSQL does not
// account for, so the bound is also a bound on that memory.
#pragma once

namespace auth::pg {

// Asks for the shared memory of the slot counter; called from _PG_init while
// shared_preload_libraries is being processed.
void request_hash_slots();

// Takes a slot at once when fewer than auth.max_concurrent_hashes hashes run in the whole
// server and nobody waits; otherwise joins the queue, where free slots go to the waiting
// calling roles (caller.h) in turn, each role's waiters in order of arrival. The wait ends with the usual error on a query cancel or
// statement_timeout (nothing taken then). It may raise: call it while the calling frame
// holds plain data only (see border.h), and hand the slot to a HashSlot at once.
void acquire_hash_slot();

// Owns a slot taken by acquire_hash_slot and gives it back however the scope ends.
class HashSlot {
public:
    HashSlot() = default;
    HashSlot(const HashSlot&) = delete;
    HashSlot& operator=(const HashSlot&) = delete;
    ~HashSlot();
};

// Hashes running now in the whole server (for tests and monitoring).
int hashes_running();

// Backends waiting for a slot now (for tests and monitoring).
int hashes_waiting();

}  // namespace auth::pg
