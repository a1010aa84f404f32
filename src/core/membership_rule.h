// When a user's roles count in a product: the membership rule shared by auth_has_role,
// auth_has_permission and (in SQL) auth.effective_roles.
#pragma once

#include <string_view>

namespace auth::core {

enum class MembershipStatus { none, invited, active, suspended };

// The status a user_products.status value names; anything unknown is treated as
// invited (closed), never as active.
MembershipStatus membership_status(std::string_view word) noexcept;

// Whether roles count, from the product-wide membership and, when a tenant is asked
// about, the tenant's own (none when not asked). A suspended product-wide membership
// closes every tenant; otherwise the tenant's own membership decides, or the
// product-wide one where the tenant has none.
bool membership_open(MembershipStatus product_wide, MembershipStatus in_tenant) noexcept;

}  // namespace auth::core
