// Who is a client of what: the rule auth_has_role, auth_has_permission and
// auth_session_user apply to the role that calls them (API.md, "Who is a client of
// what"). The SQL functions apply the same rule through auth.client_products
// (src/sql/30_internal.sql); the glue that finds a caller's products is
// src/pg/client_scope.cpp. Plain data and noexcept functions: usable in frames that
// PostgreSQL may unwind with longjmp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace auth::core {

// The products a caller may act for: every product (not confined: a superuser, an
// admin, a sign-in service, or any caller of a database still at 0.1.0), or the
// products whose app_role or admin_role it holds the privileges of.
struct ClientScope {
    bool confined;
    const std::int64_t* products;  // sorted, no duplicates; read only when confined
    std::size_t count;
};

// Sorts the ids and drops duplicates, in place; returns how many remain.
std::size_t sort_unique_ids(std::int64_t* ids, std::size_t count) noexcept;

// Whether the sorted, duplicate-free ids hold id (a binary search).
bool contains_id(const std::int64_t* ids, std::size_t count, std::int64_t id) noexcept;

// A confined caller with no product: it may call no client function (42501).
bool client_of_nothing(const ClientScope& scope) noexcept;

// Whether the caller may name the product: an unconfined caller any name, a confined
// one only a product of its own. product_exists is false when no product has the name;
// a confined caller is refused then too, so a refusal says nothing about other products.
bool may_act_for(const ClientScope& scope, bool product_exists, std::int64_t product) noexcept;

// Whether the caller sees a session: an unconfined caller every session, a confined one
// only sessions bound to one of its products (bound is false for a session bound to no
// product, a sign-in service's own).
bool sees_session(const ClientScope& scope, bool bound, std::int64_t product) noexcept;

}  // namespace auth::core
