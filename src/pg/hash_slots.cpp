#include "pg/postgres_headers.h"

#include "pg/hash_slots.h"

extern "C" {
#include "access/twophase.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
}

#include "core/fair_turns.h"
#include "pg/caller.h"
#include "pg/settings.h"

namespace auth::pg {
namespace {

// The slots every backend shares, and the queue of backends waiting for one: entry i
// belongs to the backend whose PGPROC is number i. All under `lock`.
struct SharedSlots {
    LWLock lock;
    int tranche_id;
    int running;              // slots taken, including those granted to a waiter not yet awake
    int waiting;              // entries with waiting set
    uint64 arrivals;          // counts waits begun, to order each role's waiters
    uint32 last_role;         // the role the last grant went to
    int entries;              // the length of both arrays below
    // core::SlotWaiter waiters[entries], then bool granted[entries]
};

constexpr const char kShmemName[] = "auth hash slots";
constexpr const char kTrancheName[] = "auth hash slots";
// A waiter re-checks this often even unwoken: a raised auth.max_concurrent_hashes frees
// slots that no release announces.
constexpr long kRecheckMs = 1000;

SharedSlots* shared = nullptr;  // attached at first use in each backend
int held_here = 0;              // slots this backend holds now
bool callbacks_registered = false;

shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// One queue entry per PGPROC a server can have.
int entry_count() { return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts; }

Size shared_size(int entries) {
    return add_size(MAXALIGN(sizeof(SharedSlots)),
                    mul_size(entries, sizeof(core::SlotWaiter) + sizeof(bool)));
}

core::SlotWaiter* waiters() {
    return reinterpret_cast<core::SlotWaiter*>(reinterpret_cast<char*>(shared) + MAXALIGN(sizeof(SharedSlots)));
}
bool* granted() { return reinterpret_cast<bool*>(waiters() + shared->entries); }

// Finds or creates the shared slots. With the library preloaded the space was reserved
// at server start; otherwise (a standby started without it) it comes from the spare
// shared memory every server keeps, a few kilobytes the first time any backend hashes.
void attach() {
    if (shared != nullptr) return;
    const int entries = entry_count();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    auto* slots = static_cast<SharedSlots*>(ShmemInitStruct(kShmemName, shared_size(entries), &found));
    if (!found) {
        slots->tranche_id = LWLockNewTrancheId();
        LWLockInitialize(&slots->lock, slots->tranche_id);
        slots->running = 0;
        slots->waiting = 0;
        slots->arrivals = 0;
        slots->last_role = 0;
        slots->entries = entries;
        auto* w = reinterpret_cast<core::SlotWaiter*>(reinterpret_cast<char*>(slots) + MAXALIGN(sizeof(SharedSlots)));
        for (int i = 0; i < entries; i++) w[i] = core::SlotWaiter{0, 0, false};
        memset(w + entries, 0, entries * sizeof(bool));
    }
    LWLockRelease(AddinShmemInitLock);
    LWLockRegisterTranche(slots->tranche_id, kTrancheName);
    shared = slots;
}

// Hands free slots to waiters, roles in turn (core/fair_turns.h), and wakes them.
// Called with the lock held exclusively.
void grant_free_slots() {
    while (shared->waiting > 0 && shared->running < max_concurrent_hashes()) {
        const int next = core::next_waiter(waiters(), shared->entries, shared->last_role);
        if (next < 0) break;
        waiters()[next].waiting = false;
        granted()[next] = true;
        shared->waiting--;
        shared->running++;
        shared->last_role = waiters()[next].role;
        SetLatch(&ProcGlobal->allProcs[next].procLatch);
    }
}

// Gives back every slot this backend holds, passing them to the next waiters.
void release_held() {
    if (held_here == 0 || shared == nullptr) return;
    LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
    shared->running -= held_here;
    held_here = 0;
    grant_free_slots();
    LWLockRelease(&shared->lock);
}

// Takes this backend out of the queue after its wait ended with an error or an exit: a
// slot granted meanwhile is passed on, so no slot leaks and no other waiter is stranded.
void leave_queue() {
    if (shared == nullptr || MyProc == nullptr) return;
    const int me = MyProc->pgprocno;
    if (me >= shared->entries) return;
    LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
    if (waiters()[me].waiting) {
        waiters()[me].waiting = false;
        shared->waiting--;
    }
    if (granted()[me]) {
        granted()[me] = false;
        shared->running--;
        grant_free_slots();
    }
    LWLockRelease(&shared->lock);
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
// The same when the backend exits holding a slot or waiting for one (a FATAL such as
// pg_terminate_backend leaves without unwinding the wait).
void release_on_exit(int, Datum) {
    leave_queue();
    release_held();
}

// Installs the safety nets above, once per backend, at its first hash.
void register_callbacks() {
    if (callbacks_registered) return;
    RegisterXactCallback(release_on_abort, nullptr);
    RegisterSubXactCallback(release_on_subabort, nullptr);
    before_shmem_exit(release_on_exit, 0);
    callbacks_registered = true;
}

// shmem_request_hook: reserves the slots' space at server start (preloaded library).
void request_shmem() {
    if (previous_request_hook) previous_request_hook();
    RequestAddinShmemSpace(shared_size(entry_count()));
}

// shmem_startup_hook: creates the slots in the reserved space once shared memory
// exists (and again after a crash restart, hence the reset).
void startup_shmem() {
    if (previous_startup_hook) previous_startup_hook();
    shared = nullptr;
    attach();
}

// Waits, woken by the backend that grants this one a slot. The error of a query cancel
// or statement_timeout leaves the wait through leave_queue.
void wait_for_grant(int me) {
    PG_TRY();
    {
        for (;;) {
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
            LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
            bool mine = granted()[me];
            if (!mine) {
                grant_free_slots();  // the bound may have been raised
                mine = granted()[me];
            }
            if (mine) granted()[me] = false;
            LWLockRelease(&shared->lock);
            if (mine) break;
            (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kRecheckMs,
                            PG_WAIT_EXTENSION);
        }
    }
    PG_CATCH();
    {
        leave_queue();
        PG_RE_THROW();
    }
    PG_END_TRY();
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
    const Oid role = calling_role();
    const int me = MyProc->pgprocno;
    if (me >= shared->entries) elog(ERROR, "auth hash slots: backend number %d out of range", me);
    LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
    // A free slot is taken at once only when nobody waits: a newcomer never jumps the queue.
    if (shared->waiting == 0 && shared->running < max_concurrent_hashes()) {
        shared->running++;
        LWLockRelease(&shared->lock);
        held_here++;
        return;
    }
    waiters()[me] = core::SlotWaiter{role, ++shared->arrivals, true};
    granted()[me] = false;
    shared->waiting++;
    grant_free_slots();
    LWLockRelease(&shared->lock);
    wait_for_grant(me);
    held_here++;
}

HashSlot::~HashSlot() { release_held(); }

int hashes_running() {
    attach();
    LWLockAcquire(&shared->lock, LW_SHARED);
    const int running = shared->running;
    LWLockRelease(&shared->lock);
    return running;
}

int hashes_waiting() {
    attach();
    LWLockAcquire(&shared->lock, LW_SHARED);
    const int waiting = shared->waiting;
    LWLockRelease(&shared->lock);
    return waiting;
}

}  // namespace auth::pg
