#include "core/client_scope.h"

#include <algorithm>

#include "core/pure_core_guard.h"

namespace auth::core {

std::size_t sort_unique_ids(std::int64_t* ids, std::size_t count) noexcept {
    std::sort(ids, ids + count);
    return static_cast<std::size_t>(std::unique(ids, ids + count) - ids);
}

bool contains_id(const std::int64_t* ids, std::size_t count, std::int64_t id) noexcept {
    return std::binary_search(ids, ids + count, id);
}

bool client_of_nothing(const ClientScope& scope) noexcept {
    return scope.confined && scope.count == 0;
}

bool may_act_for(const ClientScope& scope, bool product_exists, std::int64_t product) noexcept {
    if (!scope.confined) return true;
    return product_exists && contains_id(scope.products, scope.count, product);
}

bool sees_session(const ClientScope& scope, bool bound, std::int64_t product) noexcept {
    if (!scope.confined) return true;
    return bound && contains_id(scope.products, scope.count, product);
}

}  // namespace auth::core
