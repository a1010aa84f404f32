#include "core/password_check.h"

#include <algorithm>

#include <sodium.h>

#include "core/error.h"
#include "core/legacy_hash.h"
#include "core/password_text.h"
#include "core/pure_core_guard.h"

namespace auth::core {

bool check_password(std::string_view typed, std::optional<StoredPassword> stored, HashCost cost) {
    std::optional<std::string_view> ours;  // a hash of our own, to check the NFKC form against
    if (stored && !stored->imported && is_argon2id_hash(stored->hash)) ours = stored->hash;
    const bool readable_import = stored && stored->imported && hash_format(stored->hash).has_value();

    bool valid_utf8 = true;
    try {
        const Secret normalized = normalized_password(typed, "password");
        if (readable_import) {
            // Bounded work: a password long enough to make this hash cost more than the
            // budget is refused after the same decoy work as any refusal.
            const std::size_t second = normalized.view() != typed ? normalized.view().size() : 0;
            // libxcrypt refuses a passphrase of 512 bytes or more at once, without hashing:
            // such a refusal gets the decoy work too.
            const auto format = hash_format(stored->hash);
            const bool crypt_family = format == HashFormat::scrypt || format == HashFormat::bcrypt ||
                                      format == HashFormat::sha512crypt || format == HashFormat::sha256crypt ||
                                      format == HashFormat::yescrypt;
            const bool crypt_refuses = crypt_family && std::max(typed.size(), normalized.view().size()) >= 512;
            if (crypt_refuses || !passwords_within_bound(stored->hash, typed.size(), second)) {
                verify_password(normalized.view(), std::nullopt, cost);
                return false;
            }
            if (hash_matches(typed, stored->hash)) return true;
            return normalized.view() != typed && hash_matches(normalized.view(), stored->hash);
        }
        // verify_password checks `ours`, or a decoy at `cost` when there is none.
        return verify_password(normalized.view(), ours, cost);
    } catch (const Error&) {
        valid_utf8 = false;
    }
    // Not valid UTF-8 (the database would not let such text in): the same work, no match.
    if (!valid_utf8) verify_password(typed, std::nullopt, cost);
    return false;
}

bool needs_rehash(std::string_view stored_hash, bool imported, HashCost cost) noexcept {
    if (imported || !is_argon2id_hash(stored_hash)) return true;
    char copy[crypto_pwhash_STRBYTES] = {};  // is_argon2id_hash checked that it fits
    stored_hash.copy(copy, stored_hash.size());
    return crypto_pwhash_str_needs_rehash(copy, cost.opslimit, cost.memlimit) != 0;
}

}  // namespace auth::core
