// The membership rule of the checks, on every combination of statuses.
#include "core/membership_rule.h"

#include <gtest/gtest.h>

using namespace auth::core;
using S = MembershipStatus;

TEST(MembershipRule, StatusWords) {
    EXPECT_EQ(membership_status("active"), S::active);
    EXPECT_EQ(membership_status("suspended"), S::suspended);
    EXPECT_EQ(membership_status("invited"), S::invited);
    // Anything else closes: never read as active.
    EXPECT_EQ(membership_status("Active"), S::invited);
    EXPECT_EQ(membership_status("active "), S::invited);
    EXPECT_EQ(membership_status(""), S::invited);
}

TEST(MembershipRule, ProductWideOnly) {
    EXPECT_TRUE(membership_open(S::active, S::none));
    EXPECT_FALSE(membership_open(S::invited, S::none));
    EXPECT_FALSE(membership_open(S::suspended, S::none));
    EXPECT_FALSE(membership_open(S::none, S::none));
}

TEST(MembershipRule, SuspendedProductWideClosesEveryTenant) {
    EXPECT_FALSE(membership_open(S::suspended, S::active));
    EXPECT_FALSE(membership_open(S::suspended, S::invited));
    EXPECT_FALSE(membership_open(S::suspended, S::suspended));
}

TEST(MembershipRule, TenantMembershipDecidesOtherwise) {
    for (S product_wide : {S::none, S::invited, S::active}) {
        EXPECT_TRUE(membership_open(product_wide, S::active));
        EXPECT_FALSE(membership_open(product_wide, S::invited));
        EXPECT_FALSE(membership_open(product_wide, S::suspended));
    }
}

TEST(MembershipRule, ProductWideActiveCoversTenantsWithoutTheirOwn) {
    EXPECT_TRUE(membership_open(S::active, S::none));
    EXPECT_FALSE(membership_open(S::invited, S::none));
}
