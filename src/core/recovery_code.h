// Recovery codes: single-use look-up secrets (NIST SP 800-63B 5.1.2) a user keeps on
// paper for the day the authenticator app is gone. Each is 120 random bits, shown as 24
// lower-case base32 characters in six groups of four ("abcd-efgh-..."); NIST asks 112
// bits or more of a look-up secret stored with a plain hash, as these are (SHA-256).
#pragma once

#include <optional>
#include <string_view>

#include "core/secret.h"
#include "core/token.h"

namespace auth::core {

inline constexpr std::size_t kRecoveryCodeBytes = 15;  // 120 bits
inline constexpr std::size_t kRecoveryCodeChars = 24;  // base32, without the hyphens

// A new code, grouped with hyphens: 29 characters.
Secret new_recovery_code();

// SHA-256 of the code's canonical form (hyphens and spaces dropped, lower case), the
// only form in which a code is stored; nullopt for anything no code could be.
std::optional<TokenDigest> recovery_code_digest(std::string_view code);

}  // namespace auth::core
