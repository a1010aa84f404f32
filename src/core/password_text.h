// What a password is before it is hashed: its Unicode NFKC form, so that the same
// password typed on two keyboards (composed or decomposed accents, full-width digits)
// is the same password.
#pragma once

#include <string_view>

#include "core/secret.h"

namespace auth::core {

// The NFKC form of valid UTF-8 text, in memory that is wiped when it dies; throws
// invalid_value naming `argument` for invalid UTF-8. Never contains the password in a
// message.
Secret normalized_password(std::string_view typed, const char* argument);

}  // namespace auth::core
