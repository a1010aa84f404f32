// Password hashes made by other systems, accepted by auth_import_user: recognised by
// their prefix, checked for well-formedness and verified with libsodium (Argon2) or
// the system's libxcrypt (scrypt, bcrypt, sha512-crypt, sha256-crypt, yescrypt).
#pragma once

#include <optional>
#include <string_view>

namespace auth::core {

enum class HashFormat { argon2id, argon2i, scrypt, bcrypt, sha512crypt, sha256crypt, yescrypt };

// Longest hash string accepted for import.
inline constexpr std::size_t kMaxImportedHashBytes = 512;

// The format a stored string claims by its prefix, or nullopt for an unknown one.
std::optional<HashFormat> hash_format(std::string_view stored) noexcept;

// The format's name as audit rows and messages show it ("bcrypt", "sha512-crypt", ...).
const char* format_name(HashFormat format) noexcept;

// Throws invalid_value ("password_hash is ...") unless the string is a well-formed hash
// of a supported format that its library can verify. The message never holds the hash.
HashFormat check_importable_hash(std::string_view stored);

// True when the password matches a well-formed hash of any supported format; compares
// in constant time, wipes its copies. False for a string check_importable_hash refuses.
bool hash_matches(std::string_view password, std::string_view stored);

}  // namespace auth::core
