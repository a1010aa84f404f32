// The digest breach corpora publish passwords under (SHA-1, as "Have I Been Pwned"'s
// Pwned Passwords list does), so a published list can be loaded and compared as is.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace auth::core {

constexpr std::size_t kBreachDigestSize = 20;
using BreachDigest = std::array<unsigned char, kBreachDigestSize>;

// SHA-1 of the bytes (OpenSSL's libcrypto).
BreachDigest breach_digest(std::string_view bytes);

}  // namespace auth::core
