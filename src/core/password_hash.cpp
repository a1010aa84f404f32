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

}  // namespace

std::string decoy_hash(HashCost cost) {
    // A well-formed PHC string at this cost whose salt and digest are random bytes: no
    // password matches it, and checking one costs exactly one Argon2id run, with nothing
    // to compute beforehand (so the first unknown email of a connection is not slower).
    unsigned char salt[crypto_pwhash_SALTBYTES];
    unsigned char digest[32];
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(digest, sizeof digest);
    char salt_b64[sodium_base64_ENCODED_LEN(sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    char digest_b64[sodium_base64_ENCODED_LEN(sizeof digest, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    sodium_bin2base64(salt_b64, sizeof salt_b64, salt, sizeof salt,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    sodium_bin2base64(digest_b64, sizeof digest_b64, digest, sizeof digest,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    return "$argon2id$v=19$m=" + std::to_string(cost.memlimit / 1024) +
           ",t=" + std::to_string(cost.opslimit) + ",p=1$" + salt_b64 + "$" + digest_b64;
}

bool verify_password(std::string_view password, std::optional<std::string_view> stored_hash,
                     HashCost cost) {
    if (stored_hash && is_argon2id_hash(*stored_hash)) return argon2id_matches(password, *stored_hash);
    argon2id_matches(password, decoy_hash(cost));
    return false;
}

}  // namespace auth::core
