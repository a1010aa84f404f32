// Whether a new password is good enough to set: cracklib's dictionary check (through the
// same library libpwquality uses) and libpwquality's check that it holds none of its
// owner's names. Composition rules (classes, credits, repeats, sequences) are not applied.
#pragma once

#include <string>
#include <string_view>

namespace auth::core {

// The names a new password may not contain: the owner's email (its local part is used)
// and full name (empty when unknown).
struct PasswordOwner {
    std::string_view email;
    std::string_view full_name;
};

// Throws invalid_value naming `argument` when the password (already in its NFKC form)
// is judged weak by cracklib (a dictionary word, too simple, too few different
// characters...), or contains, in any case, the email's local part or the full name.
// `dictionary` is cracklib's dictionary path prefix (default_dictionary_path()); an
// unreadable dictionary throws internal with a hint, never a silent pass. The password
// never appears in a message.
void check_password_quality(std::string_view password, const PasswordOwner& owner, const char* argument,
                            const std::string& dictionary);

// cracklib's compiled-in dictionary (Debian: /var/cache/cracklib/cracklib_dict, built by
// cracklib-runtime's postinst from the word lists in /usr/share/dict).
std::string default_dictionary_path();

}  // namespace auth::core
