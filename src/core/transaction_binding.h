// The pure rules of auth_begin (row-level security): which kind of credential a text is,
// whether a verified credential binds to the transaction, and how the binding saved at a
// savepoint is kept or given back when the subtransaction ends. No PostgreSQL here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace auth::core {

// What a credential is, told apart by its form alone.
enum class CredentialKind { none, session, api_key, jwt };

// A session token: 43 URL-safe characters; an API key: "authkey_" and such a token; a
// JWT: three non-empty base64url parts separated by dots. Anything else: none.
CredentialKind credential_kind(std::string_view credential);

// The name SQL uses for a kind ("session", "api_key", "jwt"), or empty for none.
std::string_view credential_kind_name(CredentialKind kind);

// What auth_begin knows of a verified credential and of the binding it was asked for.
struct BindingFacts {
    std::optional<std::int64_t> credential_product;  // none: a sign-in service's own session
    std::optional<std::int64_t> asked_product;       // none: the caller binds no product
    bool product_requires_mfa;                        // of the asked product
    bool aal2;                                        // the credential's assurance level
    bool tenant_asked;
    bool tenant_membership_active;                    // in that tenant of the asked product
};

// Whether the credential binds: its product is the one asked (both none for a sign-in
// service's own session), a product that requires a second factor gets aal2 credentials
// only, and a tenant binds only where the user holds an active membership in the product.
bool credential_binds(const BindingFacts& facts);

// What ending a subtransaction does to the newest saved binding. Each saved binding is
// the one in force before the first auth_begin at a nesting level; `saved_level` is that
// level, `level_below` the level of the saved binding under it (0: none).
enum class SavedBindingStep {
    keep,      // the saved binding belongs to an outer level: nothing to do
    restore,   // abort: the binding from before the savepoint comes back, and is dropped
    drop,      // commit: the parent already saved an older binding, this one is moot
    move_up    // commit: the parent keeps it, as the binding from before the parent's level
};

// The step for a subtransaction at `ending_level` that commits or aborts.
SavedBindingStep saved_binding_step(int saved_level, int level_below, int ending_level, bool commit);

}  // namespace auth::core
