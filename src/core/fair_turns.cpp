#include "core/fair_turns.h"

#include "core/pure_core_guard.h"

namespace auth::core {

int next_waiter(const SlotWaiter* waiters, std::size_t count, std::uint32_t last_role) noexcept {
    int best = -1;
    // Rank of a role in the turn after last_role: roles above it come first (0), then the
    // wrap round to the lowest ones, last_role itself included (1).
    const auto lap = [last_role](std::uint32_t role) { return role > last_role ? 0 : 1; };
    for (std::size_t i = 0; i < count; i++) {
        const SlotWaiter& w = waiters[i];
        if (!w.waiting) continue;
        if (best < 0) {
            best = static_cast<int>(i);
            continue;
        }
        const SlotWaiter& b = waiters[best];
        const int wl = lap(w.role), bl = lap(b.role);
        if (wl != bl ? wl < bl : w.role != b.role ? w.role < b.role : w.arrival < b.arrival)
            best = static_cast<int>(i);
    }
    return best;
}

}  // namespace auth::core
