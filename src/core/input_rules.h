// The contract's rules for names, emails and password lengths, checked before any
// value is stored or hashed.
#pragma once

#include <cstddef>
#include <string_view>

namespace auth::core {

inline constexpr std::size_t kMaxNameChars = 200;
inline constexpr std::size_t kMaxEmailChars = 254;

// Password length bounds, in characters (Unicode code points).
struct PasswordLengthLimits {
    std::size_t min_chars;
    std::size_t max_chars;
};

// Number of code points in valid UTF-8, or throws invalid_value naming `argument`.
std::size_t count_characters(std::string_view utf8, const char* argument);

// A product, role, tenant or permission name: 1 to 200 characters, no control
// characters (C0, DEL, C1) and no line or paragraph separators.
void check_name(std::string_view value, const char* argument);

// An email: at most 254 characters, a non-empty local part and domain around the last
// '@', no Unicode white space, control characters or line separators.
void check_email(std::string_view email);

// A new password: its length in characters within the limits; the message never
// contains the password.
void check_password(std::string_view password, PasswordLengthLimits limits);

// True when a password is short enough to be worth verifying: a longer one can never
// have been set, and refusing it early bounds the work a caller can ask for.
bool password_within_max(std::string_view password, PasswordLengthLimits limits) noexcept;

}  // namespace auth::core
