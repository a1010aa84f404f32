// Proof Key for Code Exchange (RFC 7636), method S256 only: the browser that asked for a
// single sign-on code proves, when the code comes back, that it holds the verifier whose
// SHA-256 the code was bound to.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace auth::core {

inline constexpr std::size_t kPkceVerifierMinChars = 43;   // RFC 7636 section 4.1
inline constexpr std::size_t kPkceVerifierMaxChars = 128;
inline constexpr std::size_t kPkceChallengeChars = 43;     // URL-safe base64 of 32 bytes, no padding

// A code_verifier as RFC 7636 section 4.1 allows: 43 to 128 characters of the unreserved
// set [A-Za-z0-9-._~].
bool pkce_verifier_well_formed(std::string_view verifier) noexcept;

// A code_challenge of method S256: 43 characters of the URL-safe base64 alphabet.
bool pkce_challenge_well_formed(std::string_view challenge) noexcept;

// The S256 challenge of a well-formed verifier: BASE64URL(SHA-256(verifier)) without
// padding (RFC 7636 section 4.2). Throws invalid_value, naming code_verifier and never
// echoing it, for a malformed one.
std::string pkce_challenge(std::string_view verifier);

// Whether the verifier is well formed and its S256 challenge equals the stored
// challenge, compared in constant time. False for a malformed verifier or challenge.
bool pkce_verifier_matches(std::string_view verifier, std::string_view challenge) noexcept;

}  // namespace auth::core
