#include "pg/postgres_headers.h"

#include "pg/failure_recorder.h"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
#include "catalog/pg_type.h"
}

#include <cstring>

#include "pg/settings.h"

namespace auth::pg {
namespace {

constexpr int kQueueSize = 64;          // failures waiting or being recorded, whole server
constexpr int kMaxRecorders = 8;        // databases with a recorder running at once
constexpr int kMemoryEntries = 4096;    // users' factors a standby counts in memory
constexpr long kIdleExitMs = 1000;      // a recorder idle this long exits (DROP DATABASE waits up to 5 s)
constexpr long kAnswerTimeoutMs = 15000;  // a check waits this long for its record at most
constexpr long kStartTimeoutMs = 5000;    // a recorder not running this long after launch is started again

enum class Op : int { failure, clear };
enum class State : int { free, pending, taken, done, failed };

struct Request {
    State state;
    Op op;
    bool abandoned;  // its backend stopped waiting (cancel): the recorder frees it
    bool counted;
    Oid db;
    char caller[NAMEDATALEN];  // the role's name: it may not be committed yet (a test's role)
    int64 user_id;
    int64 product_id;
    int32 max_failures;
    int32 lockout_seconds;
    char factor[16];  // "" for every factor (clear)
    char event[64];
    char detail[1024];
};

enum class RecorderState : int { free, starting, running };

struct Recorder {
    RecorderState state;
    Oid db;
    Latch* latch;
    TimestampTz started;
};

struct MemoryEntry {
    Oid db;  // InvalidOid: unused
    int64 user_id;
    char factor[16];
    int failures;
    TimestampTz locked_until;
    TimestampTz last_failure;
};

struct Shared {
    LWLock* lock;
    ConditionVariable changed;  // broadcast when a request or a recorder changes state
    Request queue[kQueueSize];
    Recorder recorders[kMaxRecorders];
    MemoryEntry memory[kMemoryEntries];
};

constexpr const char kShmemName[] = "auth failure recorder";
constexpr const char kTranche[] = "auth failure recorder";

Shared* shared = nullptr;
bool preloaded = false;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// shmem_request_hook: the space and the lock, reserved at server start.
void request_shmem() {
    if (previous_request_hook) previous_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(Shared)));
    RequestNamedLWLockTranche(kTranche, 1);
}

// shmem_startup_hook: creates the structure (again after a crash restart: all zero).
void startup_shmem() {
    if (previous_startup_hook) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    shared = static_cast<Shared*>(ShmemInitStruct(kShmemName, sizeof(Shared), &found));
    if (!found) {
        std::memset(shared, 0, sizeof(Shared));
        shared->lock = &(GetNamedLWLockTranche(kTranche))->lock;
        ConditionVariableInit(&shared->changed);
    }
    LWLockRelease(AddinShmemInitLock);
}

// Copies a short string into a fixed field; a longer one is a bug of the caller.
void copy_field(char* field, std::size_t size, const char* value, const char* name) {
    const std::size_t length = value == nullptr ? 0 : std::strlen(value);
    if (length >= size) elog(ERROR, "auth failure recorder: %s too long (%zu bytes)", name, length);
    std::memcpy(field, value == nullptr ? "" : value, length + 1);
}

Recorder* recorder_of(Oid db) {
    for (auto& r : shared->recorders)
        if (r.state != RecorderState::free && r.db == db) return &r;
    return nullptr;
}

Recorder* free_recorder() {
    for (auto& r : shared->recorders)
        if (r.state == RecorderState::free) return &r;
    return nullptr;
}

// Starts the recorder of this database (its slot already marked starting). False when
// the postmaster has no worker slot free.
bool launch_recorder(Oid db) {
    BackgroundWorker worker;
    std::memset(&worker, 0, sizeof worker);
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    std::snprintf(worker.bgw_library_name, BGW_MAXLEN, "auth");
    std::snprintf(worker.bgw_function_name, BGW_MAXLEN, "auth_failure_recorder_main");
    std::snprintf(worker.bgw_name, BGW_MAXLEN, "auth failure recorder for database %u", db);
    std::snprintf(worker.bgw_type, BGW_MAXLEN, "auth failure recorder");
    worker.bgw_main_arg = ObjectIdGetDatum(db);
    worker.bgw_notify_pid = 0;
    BackgroundWorkerHandle* handle = nullptr;
    return RegisterDynamicBackgroundWorker(&worker, &handle);
}

// Hands one request to this database's recorder and waits until it has committed it.
// False, with the reason, when the recorder cannot start (no worker slot), is saturated,
// fails or does not answer in time: the caller then counts in shared memory. It never
// raises for these: an error that only a failed check could meet would tell a guesser
// that the guess was wrong. A cancel while waiting raises, and leaves the request to be
// recorded all the same.
bool submit_and_wait(const Request& request, const char** why_not) {
    const Oid db = MyDatabaseId;
    int index = -1;
    bool launch = false;
    Latch* latch = nullptr;
    const TimestampTz began = GetCurrentTimestamp();

    ConditionVariablePrepareToSleep(&shared->changed);
    for (;;) {
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        Recorder* recorder = recorder_of(db);
        if (recorder == nullptr && (recorder = free_recorder()) != nullptr) {
            recorder->state = RecorderState::starting;
            recorder->db = db;
            recorder->latch = nullptr;
            recorder->started = GetCurrentTimestamp();
            launch = true;
        } else if (recorder != nullptr && recorder->state == RecorderState::starting &&
                   TimestampDifferenceExceeds(recorder->started, GetCurrentTimestamp(), kStartTimeoutMs)) {
            // Its worker never came up (a FATAL at connection, say): start another.
            recorder->started = GetCurrentTimestamp();
            launch = true;
        }
        if (recorder != nullptr) {
            for (int i = 0; i < kQueueSize; i++) {
                if (shared->queue[i].state == State::free) {
                    index = i;
                    break;
                }
            }
        }
        if (index >= 0) {
            Request& slot = shared->queue[index];
            slot = request;
            slot.db = db;
            slot.state = State::pending;
            slot.abandoned = false;
            latch = recorder->latch;
        }
        LWLockRelease(shared->lock);
        if (index >= 0) break;
        // Every request slot or every recorder slot is busy: wait for one to free.
        if (TimestampDifferenceExceeds(began, GetCurrentTimestamp(), kAnswerTimeoutMs)) {
            ConditionVariableCancelSleep();
            *why_not = "every slot of the recorders is busy";
            return false;
        }
        ConditionVariableTimedSleep(&shared->changed, 100, PG_WAIT_EXTENSION);
    }

    if (launch && !launch_recorder(db)) {
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        shared->queue[index].state = State::free;
        Recorder* recorder = recorder_of(db);
        if (recorder != nullptr && recorder->state == RecorderState::starting) recorder->state = RecorderState::free;
        LWLockRelease(shared->lock);
        ConditionVariableCancelSleep();
        ConditionVariableBroadcast(&shared->changed);
        *why_not = "no background worker slot was free to start the recorder (max_worker_processes)";
        return false;
    }
    if (latch != nullptr) SetLatch(latch);

    State outcome = State::pending;
    PG_TRY();
    {
        for (;;) {
            LWLockAcquire(shared->lock, LW_EXCLUSIVE);
            Request& slot = shared->queue[index];
            if (slot.state == State::done || slot.state == State::failed) {
                outcome = slot.state;
                slot.state = State::free;
            }
            LWLockRelease(shared->lock);
            if (outcome != State::pending) break;
            if (TimestampDifferenceExceeds(began, GetCurrentTimestamp(), kAnswerTimeoutMs)) {
                // Left to the recorder, which frees it once recorded (it may still be).
                LWLockAcquire(shared->lock, LW_EXCLUSIVE);
                Request& late = shared->queue[index];
                if (late.state == State::done || late.state == State::failed) {
                    outcome = late.state;
                    late.state = State::free;
                } else {
                    late.abandoned = true;
                }
                LWLockRelease(shared->lock);
                if (outcome == State::pending) outcome = State::failed;
                *why_not = "the recorder did not answer in time";
                break;
            }
            ConditionVariableTimedSleep(&shared->changed, 100, PG_WAIT_EXTENSION);
        }
    }
    PG_CATCH();
    {
        // Cancelled or timed out while the request waits: it stays queued and is recorded;
        // the recorder frees it.
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        Request& slot = shared->queue[index];
        if (slot.state == State::done || slot.state == State::failed)
            slot.state = State::free;
        else
            slot.abandoned = true;
        LWLockRelease(shared->lock);
        PG_RE_THROW();
    }
    PG_END_TRY();
    ConditionVariableCancelSleep();
    ConditionVariableBroadcast(&shared->changed);
    if (outcome == State::failed) {
        if (*why_not == nullptr) *why_not = "the recorder failed (its error is in the server log)";
        return false;
    }
    return true;
}

// The standby's entry for a user's factor, made when `create` (evicting the entry whose
// last failure is oldest among those not locked, or the oldest of all). Under the lock.
MemoryEntry* memory_entry(int64 user_id, const char* factor, bool create, TimestampTz now) {
    MemoryEntry* free_entry = nullptr;
    MemoryEntry* oldest = nullptr;
    for (auto& e : shared->memory) {
        if (e.db == MyDatabaseId && e.user_id == user_id && std::strcmp(e.factor, factor) == 0) return &e;
        if (e.db == InvalidOid) {
            if (free_entry == nullptr) free_entry = &e;
        } else if (oldest == nullptr || (e.locked_until <= now && oldest->locked_until > now) ||
                   ((e.locked_until <= now) == (oldest->locked_until <= now) && e.last_failure < oldest->last_failure)) {
            oldest = &e;
        }
    }
    if (!create) return nullptr;
    MemoryEntry* entry = free_entry != nullptr ? free_entry : oldest;
    if (entry == nullptr) return nullptr;
    std::memset(entry, 0, sizeof *entry);
    entry->db = MyDatabaseId;
    entry->user_id = user_id;
    std::snprintf(entry->factor, sizeof entry->factor, "%s", factor);
    return entry;
}

// The lockout policy of a factor, from the settings of the backend that failed.
core::LockoutPolicy policy_of(const char* factor) {
    const std::int64_t lockout = static_cast<std::int64_t>(lockout_seconds()) * USECS_PER_SEC;
    if (std::strcmp(factor, "password") == 0) return core::LockoutPolicy{max_failed_logins(), lockout};
    if (std::strcmp(factor, "mfa") == 0) return core::LockoutPolicy{max_failed_mfa(), lockout};
    elog(ERROR, "auth failure recorder: unknown factor \"%s\"", factor);
    return core::LockoutPolicy{};
}

// Counts a failure in the standby's memory.
void count_in_memory(const FailureReport& report) {
    const core::LockoutPolicy policy = policy_of(report.factor);
    const TimestampTz now = GetCurrentTimestamp();
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    MemoryEntry* entry = memory_entry(report.user_id, report.factor, true, now);
    if (entry == nullptr) {
        LWLockRelease(shared->lock);
        return;
    }
    const core::FailureOutcome outcome =
        core::after_failure(core::FailureState{entry->failures, entry->locked_until}, now, policy);
    entry->failures = outcome.state.failures;
    entry->locked_until = outcome.state.locked_until;
    entry->last_failure = now;
    LWLockRelease(shared->lock);
}

// Forgets this server's shared-memory count of a user's factor (factor NULL: all).
void clear_memory(int64 user_id, const char* factor) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    for (auto& e : shared->memory)
        if (e.db == MyDatabaseId && e.user_id == user_id && (factor == nullptr || std::strcmp(e.factor, factor) == 0))
            e.db = InvalidOid;
    LWLockRelease(shared->lock);
}

// --- the recorder (background worker) ----------------------------------------------

int my_recorder = -1;

// Frees this recorder's slot, and fails what it had taken, however it exits.
void recorder_exit(int, Datum) {
    if (shared == nullptr || my_recorder < 0) return;
    LWLockReleaseAll();
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    for (auto& r : shared->queue) {
        if (r.db == MyDatabaseId && r.state == State::taken) r.state = r.abandoned ? State::free : State::failed;
    }
    shared->recorders[my_recorder].state = RecorderState::free;
    shared->recorders[my_recorder].latch = nullptr;
    LWLockRelease(shared->lock);
    ConditionVariableBroadcast(&shared->changed);
}

// Runs one request in the recorder's open transaction, as the extension's owner.
void apply(const Request& r) {
    if (r.op == Op::clear) {
        Oid types[2] = {INT8OID, TEXTOID};
        Datum values[2] = {Int64GetDatum(r.user_id), CStringGetTextDatum(r.factor)};
        const char nulls[2] = {' ', r.factor[0] == '\0' ? 'n' : ' '};
        if (SPI_execute_with_args("SELECT auth.apply_clear($1, $2)", 2, types, values, nulls, false, 0) != SPI_OK_SELECT)
            elog(ERROR, "auth failure recorder: auth.apply_clear failed");
        return;
    }
    Oid types[9] = {TEXTOID, INT8OID, TEXTOID, BOOLOID, TEXTOID, INT8OID, TEXTOID, INT4OID, INT4OID};
    Datum values[9] = {CStringGetTextDatum(r.caller),        Int64GetDatum(r.user_id),
                       CStringGetTextDatum(r.factor),     BoolGetDatum(r.counted),
                       CStringGetTextDatum(r.event),      Int64GetDatum(r.product_id),
                       CStringGetTextDatum(r.detail),     Int32GetDatum(r.max_failures),
                       Int32GetDatum(r.lockout_seconds)};
    const char nulls[9] = {' ', r.user_id == 0 ? 'n' : ' ', ' ', ' ', ' ', r.product_id == 0 ? 'n' : ' ', ' ', ' ', ' '};
    if (SPI_execute_with_args("SELECT auth.apply_failure($1, $2, $3, $4, $5, $6, $7::pg_catalog.jsonb, $8, $9)", 9,
                              types, values, nulls, false, 0) != SPI_OK_SELECT)
        elog(ERROR, "auth failure recorder: auth.apply_failure failed");
}

// Records a batch in one transaction. An error ends the worker (FATAL: no handler here);
// recorder_exit then fails the batch and the next failure starts a new recorder.
void record_batch(const Request* batch, int count) {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, "recording failed checks");
    if (SPI_execute("SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'auth'", true, 1) != SPI_OK_SELECT ||
        SPI_processed != 1)
        elog(ERROR, "auth failure recorder: the extension auth is not installed in this database");
    bool isnull = false;
    const Oid owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    Oid saved_user = InvalidOid;
    int saved_context = 0;
    GetUserIdAndSecContext(&saved_user, &saved_context);
    // The owner's rights, not the superuser's: the functions run are the owner's to change.
    SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    for (int i = 0; i < count; i++) apply(batch[i]);
    SetUserIdAndSecContext(saved_user, saved_context);
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, nullptr);
}

}  // namespace

void request_failure_recorder() {
    preloaded = true;
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = request_shmem;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = startup_shmem;
}

bool library_preloaded() { return preloaded && shared != nullptr; }

void require_preloaded(const char* function_name) {
    if (library_preloaded()) return;
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("%s needs the auth library preloaded", function_name),
                    errdetail("Failed checks are counted by a background worker outside the caller's transaction."),
                    errhint("Add auth to shared_preload_libraries in postgresql.conf and restart the server.")));
}

void record_failure(const FailureReport& report) {
    require_preloaded("counting a failed check");
    if (RecoveryInProgress()) {
        if (report.counted && report.user_id != 0) count_in_memory(report);
        return;
    }
    Request request;
    std::memset(&request, 0, sizeof request);
    request.op = Op::failure;
    const char* caller_name = GetUserNameFromId(report.caller, true);
    copy_field(request.caller, sizeof request.caller, caller_name == nullptr ? "" : caller_name, "caller");
    request.counted = report.counted;
    request.user_id = report.user_id;
    request.product_id = report.product_id;
    copy_field(request.factor, sizeof request.factor, report.factor, "factor");
    copy_field(request.event, sizeof request.event, report.event, "event");
    copy_field(request.detail, sizeof request.detail, report.detail == nullptr ? "{}" : report.detail, "detail");
    const core::LockoutPolicy policy = policy_of(request.factor);
    request.max_failures = policy.max_failures;
    request.lockout_seconds = static_cast<int32>(policy.lockout_microseconds / USECS_PER_SEC);
    const char* why_not = nullptr;
    if (submit_and_wait(request, &why_not)) return;
    // Not recorded for good: counted in this server's shared memory instead (it locks as
    // a standby's count does), and said in the server log only. The answer stays the
    // same as for a recorded failure.
    if (report.counted && report.user_id != 0) count_in_memory(report);
    ereport(LOG_SERVER_ONLY, (errmsg("auth: a failed check of user %lld was counted in shared memory only: %s",
                         static_cast<long long>(report.user_id), why_not),
                  errhidestmt(true), errhidecontext(true)));
}

void clear_failures(int64 user_id, const char* factor) {
    require_preloaded("clearing failed checks");
    if (RecoveryInProgress()) {
        clear_memory(user_id, factor);
        return;
    }
    clear_memory(user_id, factor);
    Request request;
    std::memset(&request, 0, sizeof request);
    request.op = Op::clear;
    request.user_id = user_id;
    copy_field(request.factor, sizeof request.factor, factor, "factor");
    const char* why_not = nullptr;
    if (!submit_and_wait(request, &why_not))
        ereport(LOG_SERVER_ONLY, (errmsg("auth: the failed checks of user %lld could not be cleared: %s",
                             static_cast<long long>(user_id), why_not),
                      errhidestmt(true), errhidecontext(true)));
}

core::FailureState memory_failure_state(int64 user_id, const char* factor) {
    core::FailureState state;
    if (!library_preloaded()) return state;
    LWLockAcquire(shared->lock, LW_SHARED);
    const MemoryEntry* entry = memory_entry(user_id, factor, false, 0);
    if (entry != nullptr) state = core::FailureState{entry->failures, entry->locked_until};
    LWLockRelease(shared->lock);
    return state;
}

}  // namespace auth::pg

using namespace auth::pg;

// The recorder's main: connects to its database as the bootstrap superuser (who may
// always connect; the work itself runs as the extension's owner), then records batches
// of requests until it has been idle for a second.
extern "C" PGDLLEXPORT void auth_failure_recorder_main(Datum main_arg);
extern "C" void auth_failure_recorder_main(Datum main_arg) {
    const Oid db = DatumGetObjectId(main_arg);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(db, InvalidOid, 0);
    // The database's own settings (ALTER DATABASE ... SET, which its owner may make) must
    // not stop the recording: a read-only default, a short timeout or an asynchronous
    // commit would let a guesser's failures go unrecorded or be lost in a crash.
    SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("statement_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("lock_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("idle_in_transaction_session_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("synchronous_commit", "local", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("search_path", "pg_catalog", PGC_SUSET, PGC_S_OVERRIDE);

    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    for (int i = 0; i < kMaxRecorders; i++) {
        Recorder& r = shared->recorders[i];
        if (r.state == RecorderState::starting && r.db == db) {
            r.state = RecorderState::running;
            r.latch = MyLatch;
            my_recorder = i;
            break;
        }
    }
    LWLockRelease(shared->lock);
    if (my_recorder < 0) proc_exit(0);  // another recorder took the slot meanwhile
    before_shmem_exit(recorder_exit, 0);
    ConditionVariableBroadcast(&shared->changed);

    static Request batch[kQueueSize];
    int taken_index[kQueueSize];
    TimestampTz idle_since = GetCurrentTimestamp();
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        int count = 0;
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        for (int i = 0; i < kQueueSize; i++) {
            Request& r = shared->queue[i];
            if (r.state == State::pending && r.db == db) {
                r.state = State::taken;
                batch[count] = r;
                taken_index[count++] = i;
            }
        }
        if (count == 0 && TimestampDifferenceExceeds(idle_since, GetCurrentTimestamp(), kIdleExitMs)) {
            // Nothing pending, under the lock: a backend that queues after this starts a
            // new recorder.
            shared->recorders[my_recorder].state = RecorderState::free;
            shared->recorders[my_recorder].latch = nullptr;
            LWLockRelease(shared->lock);
            my_recorder = -1;
            ConditionVariableBroadcast(&shared->changed);
            proc_exit(0);
        }
        LWLockRelease(shared->lock);

        if (count > 0) {
            record_batch(batch, count);
            LWLockAcquire(shared->lock, LW_EXCLUSIVE);
            for (int i = 0; i < count; i++) {
                Request& r = shared->queue[taken_index[i]];
                r.state = r.abandoned ? State::free : State::done;
            }
            LWLockRelease(shared->lock);
            ConditionVariableBroadcast(&shared->changed);
            idle_since = GetCurrentTimestamp();
            continue;
        }
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 200, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}
