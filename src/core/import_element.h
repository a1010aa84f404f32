// One element of auth_import_users, checked before anything is stored: the JSON shape the
// contract gives, the email and text limits, and the hash (legacy_hash.h), without hashing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace auth::core {

// Throws Error (null_value for a missing email, invalid_value otherwise; the message names
// the field, never a value) unless `json` is an object with only the contract's keys, of
// the right JSON types, a well-formed email, and full_name <= 200 and phone_number <= 64
// characters. Returns its password_hash (nullopt: none), still to be checked with
// check_importable_hash (the caller may need a hash slot for that).
std::optional<std::string> checked_import_element(std::string_view json);

}  // namespace auth::core
