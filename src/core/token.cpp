#include "core/token.h"

#include <sodium.h>

#include "core/error.h"
#include "core/pure_core_guard.h"

namespace auth::core {

Secret new_token() {
    unsigned char random[kTokenBytes];
    char text[sodium_base64_ENCODED_LEN(kTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    const ScopedWipe wipe_random(random, sizeof random);
    const ScopedWipe wipe_text(text, sizeof text);
    randombytes_buf(random, sizeof random);
    sodium_bin2base64(text, sizeof text, random, sizeof random,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return Secret{std::string_view(text, kTokenChars)};
}

namespace {

// The URL-safe base64 alphabet, checked first: libsodium 1.0.18's decoder lets some
// bytes above 0x7f through as if they were letters.
bool url_safe_alphabet(std::string_view text) {
    for (const char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::optional<TokenDigest> token_digest(std::string_view token) {
    if (token.size() != kTokenChars || !url_safe_alphabet(token)) return std::nullopt;
    unsigned char decoded[kTokenBytes];
    const ScopedWipe wipe_decoded(decoded, sizeof decoded);
    std::size_t decoded_len = 0;
    const char* end = nullptr;
    const int rc = sodium_base642bin(decoded, sizeof decoded, token.data(), token.size(), nullptr,
                                     &decoded_len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (rc != 0 || decoded_len != kTokenBytes || end != token.data() + token.size())
        return std::nullopt;
    TokenDigest digest;
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(token.data()),
                       token.size());
    return digest;
}

}  // namespace auth::core
