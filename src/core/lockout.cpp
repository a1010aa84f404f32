#include "core/lockout.h"

namespace auth::core {

bool is_locked(const FailureState& state, std::int64_t now) { return state.locked_until > now; }

FailureOutcome after_failure(const FailureState& state, std::int64_t now, const LockoutPolicy& policy) {
    FailureOutcome outcome{state, false, false};
    if (is_locked(state, now)) return outcome;
    outcome.counted = true;
    if (policy.max_failures > 0 && state.failures + 1 >= policy.max_failures) {
        outcome.state.failures = 0;
        outcome.state.locked_until = now + policy.lockout_microseconds;
        outcome.locked_now = true;
    } else {
        outcome.state.failures = state.failures + 1;
    }
    return outcome;
}

}  // namespace auth::core
