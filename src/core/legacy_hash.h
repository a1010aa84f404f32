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

// The most work an imported hash may ask for at each login, so that a hostile or
// mistaken export cannot turn every login into minutes of CPU or gigabytes of memory.
// About 2-4 s of one core here at each bound; real exports are far below.
inline constexpr unsigned kMaxBcryptCost = 16;                    // 2^16 rounds
inline constexpr unsigned long kMaxShaCryptRounds = 10'000'000;   // default 5,000
inline constexpr unsigned long long kMaxMemoryBytes = 1ull << 30;  // Argon2, scrypt
inline constexpr unsigned long long kMaxArgon2PassKib = 4ull << 20;  // t x m, KiB
inline constexpr double kMaxVerifySeconds = 4.0;                  // measured at import

// The format a stored string claims by its prefix, or nullopt for an unknown one.
std::optional<HashFormat> hash_format(std::string_view stored) noexcept;

// The format's name as audit rows and messages show it ("bcrypt", "sha512-crypt", ...).
const char* format_name(HashFormat format) noexcept;

// Throws invalid_value ("password_hash is ...") unless the string is a well-formed hash
// of a supported format that its library can verify, at a cost within the bounds above
// (read from the string where its format says it plainly; for the crypt formats also
// measured by the one verification the check runs). The message never holds the hash.
HashFormat check_importable_hash(std::string_view stored);

// True when the password matches a well-formed hash of any supported format; compares
// in constant time, wipes its copies. False for a string check_importable_hash refuses.
bool hash_matches(std::string_view password, std::string_view stored);

}  // namespace auth::core
