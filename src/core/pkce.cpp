#include "core/pkce.h"

#include <sodium.h>

#include "core/error.h"
#include "core/secret.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

// The encoded challenge and libsodium's terminating NUL.
constexpr std::size_t kChallengeBufferSize =
    sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
static_assert(kChallengeBufferSize == kPkceChallengeChars + 1, "S256 challenges are 43 characters");

bool ascii_alnum(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// The challenge text of a verifier already checked, written into out (the encoded text
// and its terminating NUL). The digest is wiped here; the challenge is no secret.
void write_challenge(std::string_view verifier, char (&out)[kChallengeBufferSize]) noexcept {
    unsigned char digest[crypto_hash_sha256_BYTES];
    const ScopedWipe wipe_digest(digest, sizeof digest);
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size());
    sodium_bin2base64(out, sizeof out, digest, sizeof digest, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

}  // namespace

bool pkce_verifier_well_formed(std::string_view verifier) noexcept {
    if (verifier.size() < kPkceVerifierMinChars || verifier.size() > kPkceVerifierMaxChars) return false;
    for (const char c : verifier)
        if (!(ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')) return false;
    return true;
}

bool pkce_challenge_well_formed(std::string_view challenge) noexcept {
    if (challenge.size() != kPkceChallengeChars) return false;
    for (const char c : challenge)
        if (!(ascii_alnum(c) || c == '-' || c == '_')) return false;
    return true;
}

std::string pkce_challenge(std::string_view verifier) {
    if (!pkce_verifier_well_formed(verifier))
        throw Error(ErrorKind::invalid_value, "code_verifier is not a valid PKCE verifier",
                    "A code_verifier has 43 to 128 characters of A-Z, a-z, 0-9, \"-\", \".\", \"_\" and \"~\".");
    char text[kChallengeBufferSize];
    write_challenge(verifier, text);
    return std::string(text, kPkceChallengeChars);
}

bool pkce_verifier_matches(std::string_view verifier, std::string_view challenge) noexcept {
    // Lengths and alphabets are no secret: checking them first leaks nothing.
    if (!pkce_verifier_well_formed(verifier) || !pkce_challenge_well_formed(challenge)) return false;
    char text[kChallengeBufferSize];
    const ScopedWipe wipe_text(text, sizeof text);
    write_challenge(verifier, text);
    return sodium_memcmp(text, challenge.data(), kPkceChallengeChars) == 0;
}

}  // namespace auth::core
