// Who gets a free hash slot: roles in turn, each role's waiters in order of arrival.
#include "core/fair_turns.h"

#include <gtest/gtest.h>

#include <vector>

using namespace auth::core;

namespace {

// Serves every waiter one by one, as slots free up, and returns the roles in order.
std::vector<std::uint32_t> serve_all(std::vector<SlotWaiter> waiters, std::uint32_t last_role) {
    std::vector<std::uint32_t> order;
    for (int i; (i = next_waiter(waiters.data(), waiters.size(), last_role)) >= 0;) {
        order.push_back(waiters[i].role);
        last_role = waiters[i].role;
        waiters[i].waiting = false;
    }
    return order;
}

}  // namespace

TEST(FairTurns, NobodyWaits) {
    std::vector<SlotWaiter> none = {{10, 1, false}, {20, 2, false}};
    EXPECT_EQ(next_waiter(none.data(), none.size(), 0), -1);
    EXPECT_EQ(next_waiter(nullptr, 0, 0), -1);
}

TEST(FairTurns, OneRoleAloneGetsEverySlotInArrivalOrder) {
    std::vector<SlotWaiter> w = {{7, 3, true}, {7, 1, true}, {7, 2, true}};
    EXPECT_EQ(next_waiter(w.data(), w.size(), 7), 1);
    EXPECT_EQ(serve_all(w, 7), (std::vector<std::uint32_t>{7, 7, 7}));
}

TEST(FairTurns, ABusyRoleCannotKeepAnotherWaiting) {
    // Role 20 has eleven waiters that all came first; role 10's single waiter came last.
    std::vector<SlotWaiter> w;
    for (std::uint64_t i = 0; i < 11; i++) w.push_back({20, i, true});
    w.push_back({10, 99, true});
    // Whoever was served last, role 10 is served within two grants.
    const auto after_20 = serve_all(w, 20);
    EXPECT_EQ(after_20[0], 10u);
    const auto after_10 = serve_all(w, 10);
    EXPECT_EQ(after_10[0], 20u);
    EXPECT_EQ(after_10[1], 10u);
}

TEST(FairTurns, RolesTakeTurnsRoundRobin) {
    std::vector<SlotWaiter> w = {{30, 1, true}, {30, 2, true}, {10, 3, true}, {20, 4, true},
                                 {10, 5, true}, {20, 6, true}, {30, 7, true}};
    EXPECT_EQ(serve_all(w, 15), (std::vector<std::uint32_t>{20, 30, 10, 20, 30, 10, 30}));
}

TEST(FairTurns, WrapsToTheLowestRole) {
    std::vector<SlotWaiter> w = {{5, 2, true}, {9, 1, true}};
    EXPECT_EQ(w[next_waiter(w.data(), w.size(), 9)].role, 5u);
    EXPECT_EQ(w[next_waiter(w.data(), w.size(), 100)].role, 5u);
    EXPECT_EQ(w[next_waiter(w.data(), w.size(), 5)].role, 9u);
}
