// The lockout rule: consecutive failures, the lock at the limit, nothing counted while locked.
#include "core/lockout.h"

#include <gtest/gtest.h>

using namespace auth::core;

namespace {
const LockoutPolicy kThreeForTen{3, 10};
}

TEST(Lockout, CountsUpToTheLimitThenLocksAndStartsAgain) {
    FailureState s;
    auto o = after_failure(s, 100, kThreeForTen);
    EXPECT_TRUE(o.counted);
    EXPECT_FALSE(o.locked_now);
    EXPECT_EQ(o.state.failures, 1);
    o = after_failure(o.state, 101, kThreeForTen);
    EXPECT_EQ(o.state.failures, 2);
    EXPECT_FALSE(is_locked(o.state, 101));
    o = after_failure(o.state, 102, kThreeForTen);
    EXPECT_TRUE(o.locked_now);
    EXPECT_EQ(o.state.failures, 0);
    EXPECT_EQ(o.state.locked_until, 112);
    EXPECT_TRUE(is_locked(o.state, 111));
    EXPECT_FALSE(is_locked(o.state, 112));
}

TEST(Lockout, FailuresWhileLockedAreNotCounted) {
    const FailureState locked{0, 200};
    const auto o = after_failure(locked, 150, kThreeForTen);
    EXPECT_FALSE(o.counted);
    EXPECT_FALSE(o.locked_now);
    EXPECT_EQ(o.state.failures, 0);
    EXPECT_EQ(o.state.locked_until, 200);  // the lock is not extended
}

TEST(Lockout, AfterTheLockEndsCountingStartsFromZero) {
    const FailureState was_locked{0, 200};
    const auto o = after_failure(was_locked, 200, kThreeForTen);
    EXPECT_TRUE(o.counted);
    EXPECT_EQ(o.state.failures, 1);
}

TEST(Lockout, LimitZeroCountsButNeverLocks) {
    FailureState s;
    for (int i = 0; i < 50; i++) {
        const auto o = after_failure(s, i, LockoutPolicy{0, 10});
        EXPECT_TRUE(o.counted);
        EXPECT_FALSE(o.locked_now);
        s = o.state;
    }
    EXPECT_EQ(s.failures, 50);
    EXPECT_FALSE(is_locked(s, 50));
}

TEST(Lockout, LimitOneLocksAtTheFirstFailure) {
    const auto o = after_failure(FailureState{}, 5, LockoutPolicy{1, 10});
    EXPECT_TRUE(o.locked_now);
    EXPECT_EQ(o.state.locked_until, 15);
}
