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
// characters (C0, DEL, C1), no line or paragraph separators, not only invisible ones
// (white space, zero-width and other default-ignorable code points).
void check_name(std::string_view value, const char* argument);

// An email: at most 254 characters, a non-empty local part and domain around the last
// '@', no Unicode white space, control characters or line separators, no invisible
// character (email_key.h), and a key and skeleton within their bound.
void check_email(std::string_view email);

// A new password's length in characters, counted on its NFKC form (what is hashed, see
// password_text.h), within the limits; the message names the argument and never holds
// the password.
void check_password_length(std::string_view normalized, PasswordLengthLimits limits,
                           const char* argument);

// True when a typed value is short enough in bytes to be a password within the limits:
// at most four bytes a character, with some slack for what NFKC composes. A longer value
// can never have been set, so it is refused before any work is spent on it.
bool password_size_may_fit(std::string_view typed, PasswordLengthLimits limits) noexcept;

// Throws invalid_value naming the argument when password_size_may_fit is false.
void check_password_size(std::string_view typed, PasswordLengthLimits limits, const char* argument);

}  // namespace auth::core
