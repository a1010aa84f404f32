// The one password check of logins and verifications: which hash, which form of the
// password, and the same Argon2id work whatever is missing.
#pragma once

#include <optional>
#include <string_view>

#include "core/password_hash.h"

namespace auth::core {

// A user's stored password hash as the check needs it.
struct StoredPassword {
    std::string_view hash;
    bool imported;  // made by another system, from the password as typed (not normalised)
};

// True when the typed password matches. A hash we made is checked against the NFKC
// form; an imported one against the password as typed, then (when it differs) its NFKC
// form. With no stored hash, or one no supported library can read, the same Argon2id
// work is done against a decoy at `cost` and the answer is false; so too for a password
// whose length would make an imported hash cost more than the bound (legacy_hash.h). Never throws for bad
// input: a password that is not valid UTF-8 simply does not match.
bool check_password(std::string_view typed, std::optional<StoredPassword> stored, HashCost cost);

// True when a stored hash should be replaced after a successful check: it was imported,
// or it is not Argon2id at exactly `cost`.
bool needs_rehash(std::string_view stored_hash, bool imported, HashCost cost) noexcept;

}  // namespace auth::core
