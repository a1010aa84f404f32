// Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps) as the
// authenticator apps everyone has compute them, through liboath (no hand-written HMAC or
// truncation here), and the otpauth:// key URI those apps scan (Google Authenticator's
// key URI format). Secrets are 160 bits from libsodium's random source (RFC 4226 4, R6).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/secret.h"

namespace auth::core {

inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits
inline constexpr unsigned kTotpDigits = 6;
inline constexpr unsigned kTotpStepSeconds = 30;

// A new TOTP secret: 20 random bytes (raw, not encoded).
Secret new_totp_secret();

// The secret as the user types or scans it: RFC 4648 base32, upper case, no padding
// (20 bytes give exactly 32 characters).
Secret totp_secret_base32(std::string_view raw_secret);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30,
// the issuer and account percent-encoded (RFC 3986 unreserved characters kept).
Secret totp_key_uri(std::string_view issuer, std::string_view account, std::string_view base32_secret);

// Whether a code is exactly six ASCII digits (no spaces, signs or other digits).
bool is_totp_code(std::string_view code);

// The time step (seconds since the epoch / 30) whose code equals `code`, among the step
// of `unix_now` and `window` steps either side; nullopt when none (or a malformed code).
// Codes are compared in constant time; every step of the window is computed whatever
// the code, so the time says nothing of which step (if any) matched.
std::optional<std::uint64_t> totp_matching_step(std::string_view raw_secret, std::string_view code,
                                                std::int64_t unix_now, unsigned window = 1);

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string percent_encoded(std::string_view text);

}  // namespace auth::core
