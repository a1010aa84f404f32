// Which waiter gets a free hash slot: the waiting roles take turns (round-robin over
// the roles that have a waiter), and each role's own waiters go first come, first served.
// Plain data only, no allocation: it runs on shared memory under a lock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace auth::core {

// One backend's place in the queue for a hash slot.
struct SlotWaiter {
    std::uint32_t role;     // the calling role (an OID)
    std::uint64_t arrival;  // a server-wide counter's value when the wait began
    bool waiting;           // false: the entry is free, or was already served
};

// The index of the waiter to serve next, or -1 when nobody waits. The role served is
// the first waiting role after `last_role` in role order, wrapping round to the lowest;
// within that role, the earliest arrival. So with waiters of k roles, each gets a slot
// within k grants, however many waiters the others have; a role alone gets every slot.
int next_waiter(const SlotWaiter* waiters, std::size_t count, std::uint32_t last_role) noexcept;

}  // namespace auth::core
