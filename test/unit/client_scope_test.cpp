// Who is a client of what: the product-id set and the rule the C checks apply to it.
#include "core/client_scope.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

using namespace auth::core;

namespace {

ClientScope confined_to(const std::vector<std::int64_t>& ids) {
    return {true, ids.data(), ids.size()};
}

}  // namespace

TEST(ClientScope, SortUniqueSortsAndDropsDuplicates) {
    std::vector<std::int64_t> ids{7, 3, 7, 1, 3, 3, -2, 9};
    const std::size_t n = sort_unique_ids(ids.data(), ids.size());
    ids.resize(n);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{-2, 1, 3, 7, 9}));
}

TEST(ClientScope, SortUniqueOfNothing) {
    EXPECT_EQ(sort_unique_ids(nullptr, 0), 0u);
    std::int64_t one = 5;
    EXPECT_EQ(sort_unique_ids(&one, 1), 1u);
    EXPECT_EQ(one, 5);
}

TEST(ClientScope, ContainsFindsEveryIdAndNothingElse) {
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 1; i <= 1000; i += 3) ids.push_back(i);
    for (std::int64_t i = -5; i <= 1005; i++)
        EXPECT_EQ(contains_id(ids.data(), ids.size(), i), i >= 1 && i <= 1000 && (i - 1) % 3 == 0)
            << i;
    EXPECT_FALSE(contains_id(nullptr, 0, 1));
    const std::int64_t extremes[] = {INT64_MIN, 0, INT64_MAX};
    EXPECT_TRUE(contains_id(extremes, 3, INT64_MIN));
    EXPECT_TRUE(contains_id(extremes, 3, INT64_MAX));
    EXPECT_FALSE(contains_id(extremes, 3, 1));
}

TEST(ClientScope, UnconfinedActsForEveryProductAndSeesEverySession) {
    const ClientScope all{false, nullptr, 0};
    EXPECT_FALSE(client_of_nothing(all));
    EXPECT_TRUE(may_act_for(all, true, 42));
    EXPECT_TRUE(may_act_for(all, false, 0));
    EXPECT_TRUE(sees_session(all, true, 42));
    EXPECT_TRUE(sees_session(all, false, 0));
}

TEST(ClientScope, ConfinedToNothingIsAClientOfNothing) {
    const std::vector<std::int64_t> none;
    const ClientScope scope = confined_to(none);
    EXPECT_TRUE(client_of_nothing(scope));
    EXPECT_FALSE(may_act_for(scope, true, 1));
    EXPECT_FALSE(sees_session(scope, true, 1));
    EXPECT_FALSE(sees_session(scope, false, 0));
}

TEST(ClientScope, ConfinedActsForItsProductsOnly) {
    const std::vector<std::int64_t> mine{2, 5};
    const ClientScope scope = confined_to(mine);
    EXPECT_FALSE(client_of_nothing(scope));
    EXPECT_TRUE(may_act_for(scope, true, 2));
    EXPECT_TRUE(may_act_for(scope, true, 5));
    EXPECT_FALSE(may_act_for(scope, true, 3));
    // A name no product has is refused too, whatever id came with it.
    EXPECT_FALSE(may_act_for(scope, false, 2));
    EXPECT_FALSE(may_act_for(scope, false, 0));
}

TEST(ClientScope, ConfinedSeesSessionsOfItsProductsOnly) {
    const std::vector<std::int64_t> mine{2, 5};
    const ClientScope scope = confined_to(mine);
    EXPECT_TRUE(sees_session(scope, true, 5));
    EXPECT_FALSE(sees_session(scope, true, 4));
    // A sign-in service's own session, bound to no product.
    EXPECT_FALSE(sees_session(scope, false, 0));
    EXPECT_FALSE(sees_session(scope, false, 2));
}
