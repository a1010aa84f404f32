// What a password is before it is hashed: its Unicode NFKC form, so that the same
// password typed on two keyboards (composed or decomposed accents, full-width digits)
// is the same password.
#pragma once

#include <string_view>

#include "core/input_rules.h"
#include "core/secret.h"

namespace auth::core {

// The NFKC form of valid UTF-8 text, in memory that is wiped when it dies; throws
// invalid_value naming `argument` for invalid UTF-8. Never contains the password in a
// message.
Secret normalized_password(std::string_view typed, const char* argument);

// Refuses a typed value too long to be a new password (more bytes than max_chars
// four-byte characters and some slack) before any work is spent on it.
void check_password_size(std::string_view typed, PasswordLengthLimits limits, const char* argument);

// A new password's length in characters, counted on its NFKC form (what is hashed),
// within the limits; the message names the argument and never holds the password.
void check_password_length(std::string_view normalized, PasswordLengthLimits limits,
                           const char* argument);

}  // namespace auth::core
