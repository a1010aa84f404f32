#include "core/membership_rule.h"

#include "core/pure_core_guard.h"

namespace auth::core {

MembershipStatus membership_status(std::string_view word) noexcept {
    if (word == "active") return MembershipStatus::active;
    if (word == "suspended") return MembershipStatus::suspended;
    return MembershipStatus::invited;
}

bool membership_open(MembershipStatus product_wide, MembershipStatus in_tenant) noexcept {
    if (product_wide == MembershipStatus::suspended) return false;
    if (in_tenant == MembershipStatus::none) return product_wide == MembershipStatus::active;
    return in_tenant == MembershipStatus::active;
}

}  // namespace auth::core
