#include "core/password_hash.h"

#include <sodium.h>

#include "core/error.h"
#include "core/pure_core_guard.h"

namespace auth::core {

HashCost interactive_cost() noexcept {
    return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

void init_crypto() {
    if (sodium_init() < 0) throw Error(ErrorKind::internal, "libsodium could not be initialised");
}

std::string hash_password(std::string_view password, HashCost cost) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), cost.opslimit, cost.memlimit) != 0)
        throw Error(ErrorKind::internal, "password hashing failed",
                    "Argon2id could not allocate " + std::to_string(cost.memlimit) + " bytes.");
    return std::string(out);
}

bool is_argon2id_hash(std::string_view stored_hash) noexcept {
    // libsodium wants a NUL-terminated string shorter than its buffer.
    return stored_hash.size() < crypto_pwhash_STRBYTES &&
           stored_hash.substr(0, 10) == "$argon2id$";
}

namespace {

// libsodium's verification of a string already known to be $argon2id$.
bool argon2id_matches(std::string_view password, std::string_view stored_hash) {
    char hash[crypto_pwhash_STRBYTES] = {};
    stored_hash.copy(hash, stored_hash.size());
    return crypto_pwhash_str_verify(hash, password.data(), password.size()) == 0;
}

// A hash of a random password nobody knows, made once per process (a backend is
// single-threaded) and again when the cost changes.
const std::string& hash_of_nothing(HashCost cost) {
    static HashCost cached_cost{0, 0};
    static std::string cached_hash;
    if (cached_hash.empty() || cached_cost.opslimit != cost.opslimit ||
        cached_cost.memlimit != cost.memlimit) {
        unsigned char random[32];
        randombytes_buf(random, sizeof random);
        cached_hash =
            hash_password(std::string_view(reinterpret_cast<const char*>(random), sizeof random), cost);
        sodium_memzero(random, sizeof random);
        cached_cost = cost;
    }
    return cached_hash;
}

}  // namespace

bool verify_password(std::string_view password, std::optional<std::string_view> stored_hash,
                     HashCost cost) {
    if (stored_hash && is_argon2id_hash(*stored_hash)) return argon2id_matches(password, *stored_hash);
    argon2id_matches(password, hash_of_nothing(cost));
    return false;
}

}  // namespace auth::core
