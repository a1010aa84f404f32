// The lockout rule shared by every place that counts failed checks of one factor
// (passwords toward auth.max_failed_logins; second-factor codes toward auth.max_failed_mfa):
// consecutive failures count up; the one that reaches the limit locks the factor for the
// lockout duration and starts a new count; failures while locked are not counted.
// Times are microseconds on any one clock (PostgreSQL's TimestampTz in the glue).
#pragma once

#include <cstdint>

namespace auth::core {

// What is known of one user's factor: failures since the last success or lock, and
// the end of the lock (0: never locked).
struct FailureState {
    int failures = 0;
    std::int64_t locked_until = 0;
};

// The limit and the lock's length; max_failures 0 turns lockout off (failures still count).
struct LockoutPolicy {
    int max_failures = 10;
    std::int64_t lockout_microseconds = 15LL * 60 * 1000 * 1000;
};

// Whether the factor is locked at `now`.
bool is_locked(const FailureState& state, std::int64_t now);

// The state after one more failure at `now`, and whether that failure locked the factor.
struct FailureOutcome {
    FailureState state;
    bool counted = false;    // false while locked
    bool locked_now = false;  // this failure reached the limit
};
FailureOutcome after_failure(const FailureState& state, std::int64_t now, const LockoutPolicy& policy);

}  // namespace auth::core
