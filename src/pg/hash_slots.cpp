#include "pg/postgres_headers.h"

#include "pg/hash_slots.h"

extern "C" {
#include "access/xact.h"
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

#include "pg/settings.h"

namespace auth::pg {
namespace {

// The counter every backend shares.
struct SharedSlots {
    slock_t mutex;
    int running;            // hashes running now, under mutex
    ConditionVariable freed;  // broadcast whenever a slot is given back
};

constexpr const char kShmemName[] = "auth hash slots";

SharedSlots* shared = nullptr;  // attached at first use in each backend
int held_here = 0;              // slots this backend holds now
bool callbacks_registered = false;

shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// Finds or creates the shared counter. With the library preloaded the space was
// reserved at server start; otherwise it comes from the spare shared memory every server
// keeps, a few bytes the first time any backend hashes.
void attach() {
    if (shared != nullptr) return;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    auto* slots = static_cast<SharedSlots*>(ShmemInitStruct(kShmemName, sizeof(SharedSlots), &found));
    if (!found) {
        SpinLockInit(&slots->mutex);
        slots->running = 0;
        ConditionVariableInit(&slots->freed);
    }
    LWLockRelease(AddinShmemInitLock);
    shared = slots;
}

// Gives back every slot this backend holds.
void release_held() {
    if (held_here == 0 || shared == nullptr) return;
    SpinLockAcquire(&shared->mutex);
    shared->running -= held_here;
    SpinLockRelease(&shared->mutex);
    held_here = 0;
    // Every waiter re-checks: one woken and then cancelled must not strand the others.
    ConditionVariableBroadcast(&shared->freed);
}

// A safety net: a slot is released by HashSlot, but should an error ever end a
// transaction or the backend while one is held, it is given back here.
void release_on_abort(XactEvent event, void*) {
    if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) release_held();
}
// The same for a subtransaction rolled back (a PL/pgSQL EXCEPTION block, a SAVEPOINT).
void release_on_subabort(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    if (event == SUBXACT_EVENT_ABORT_SUB) release_held();
}
// The same when the backend exits holding a slot.
void release_on_exit(int, Datum) { release_held(); }

// Installs the safety nets above, once per backend, at its first hash.
void register_callbacks() {
    if (callbacks_registered) return;
    RegisterXactCallback(release_on_abort, nullptr);
    RegisterSubXactCallback(release_on_subabort, nullptr);
    before_shmem_exit(release_on_exit, 0);
    callbacks_registered = true;
}

// shmem_request_hook: reserves the counter's space at server start (preloaded library).
void request_shmem() {
    if (previous_request_hook) previous_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(SharedSlots)));
}

// shmem_startup_hook: creates the counter in the reserved space once shared memory
// exists (and again after a crash restart, hence the reset).
void startup_shmem() {
    if (previous_startup_hook) previous_startup_hook();
    shared = nullptr;
    attach();
}

}  // namespace

void request_hash_slots() {
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = request_shmem;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = startup_shmem;
}

void acquire_hash_slot() {
    attach();
    register_callbacks();
    bool taken = false;
    for (;;) {
        SpinLockAcquire(&shared->mutex);
        if (shared->running < max_concurrent_hashes()) {
            shared->running++;
            taken = true;
        }
        SpinLockRelease(&shared->mutex);
        if (taken) break;
        // Raises on a query cancel or statement_timeout, before anything was taken.
        ConditionVariableSleep(&shared->freed, PG_WAIT_EXTENSION);
    }
    ConditionVariableCancelSleep();
    held_here++;
}

HashSlot::~HashSlot() { release_held(); }

int hashes_running() {
    attach();
    SpinLockAcquire(&shared->mutex);
    const int running = shared->running;
    SpinLockRelease(&shared->mutex);
    return running;
}

}  // namespace auth::pg
