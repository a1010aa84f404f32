// The user, product, tenant and assurance level bound to the current transaction by
// auth_begin (row-level security), kept in this backend's memory only.
#pragma once

#include "pg/postgres_headers.h"

namespace auth::pg {

// What auth_begin bound. Plain data in memory of the transaction context.
struct Binding {
    int64 user_id;
    bool has_product;
    int64 product_id;
    text* product;     // NULL when no product
    bool has_tenant;
    int64 tenant_id;
    text* tenant;      // NULL when no tenant
    text* aal;
};

// The binding in force, or nullptr.
const Binding* current_binding();

// Registers the transaction callbacks that end a binding; once per backend, at load.
void register_transaction_context();

}  // namespace auth::pg
