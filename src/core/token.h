// Opaque bearer tokens (sessions, reset and verification tokens, API keys): random
// bytes shown once to the client, stored only as a digest.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "core/secret.h"

namespace auth::core {

inline constexpr std::size_t kTokenBytes = 32;   // 256 random bits
inline constexpr std::size_t kTokenChars = 43;   // URL-safe base64 of 32 bytes, no padding
inline constexpr std::size_t kDigestBytes = 32;  // SHA-256

using TokenDigest = std::array<unsigned char, kDigestBytes>;

// A new token: 32 bytes from the system's random source, URL-safe base64 without '='.
Secret new_token();

// SHA-256 of a well-formed token, the only form in which a token is stored; nullopt
// for anything that is not a token this code could have made (wrong length or alphabet).
std::optional<TokenDigest> token_digest(std::string_view token);

}  // namespace auth::core
