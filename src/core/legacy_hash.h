// Password hashes made by other systems, accepted by auth_import_user: recognised by
// their prefix, checked for well-formedness and verified with libsodium (Argon2),
// the system's libxcrypt (scrypt, bcrypt, sha512-crypt, sha256-crypt, yescrypt), or
// OpenSSL and libsodium for the formats of foreign_hash.h (Django, passlib PBKDF2,
// ASP.NET Core Identity, Firebase scrypt).
#pragma once

#include <optional>
#include <string_view>

namespace auth::core {

enum class HashFormat {
    argon2id, argon2i, scrypt, bcrypt, sha512crypt, sha256crypt, yescrypt,
    django_pbkdf2_sha256, django_pbkdf2_sha1, django_argon2, django_bcrypt_sha256,
    pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512, aspnet_identity_v2, aspnet_identity_v3, firebase_scrypt
};

// Longest hash string accepted for import.
inline constexpr std::size_t kMaxImportedHashBytes = 512;

// Bounded work. A password check costs at most about kCheckBudgetMs of one core here,
// whatever the password (up to auth.password_max_length) and the stored hash: the cost of
// verifying a hash is estimated from its parameters by a model of each format whose
// constants were measured on the reference machine (docs/passwords.md gives the figures).
// A check verifies an imported hash at most twice (the password as typed, then its NFKC
// form when that differs), so one verification of a typical password
// (kTypicalPasswordBytes) may cost half the budget. Memory is bounded on its own.
inline constexpr double kCheckBudgetMs = 1000;
inline constexpr std::size_t kTypicalPasswordBytes = 64;
inline constexpr unsigned long long kMaxHashMemoryBytes = 256ull << 20;  // Argon2, scrypt, yescrypt
// libxcrypt refuses a passphrase of this many bytes or more (CRYPT_MAX_PASSPHRASE_SIZE),
// at no cost: no crypt-format hash can match it.
inline constexpr std::size_t kCryptMaxPassphraseBytes = 512;

// What one verification of a stored hash costs, from its parameters.
struct VerifyCost {
    double ms;                     // time of one verification, for this password length
    unsigned long long memory;     // bytes of working memory
    bool grows_with_password;      // sha-crypt: the time grows with the password's length
};

// The estimated cost of verifying a password of password_bytes against a hash of a
// supported format, or nullopt when its parameters cannot be read (a malformed string).
std::optional<VerifyCost> verify_cost(std::string_view stored, std::size_t password_bytes) noexcept;

// Whether a check against this stored hash could cost more than the bounds above for a
// typical password: such a hash is refused at import, and listed when already stored.
bool over_bound(std::string_view stored) noexcept;

// Whether verifying these passwords (the typed form, and the NFKC form when it differs:
// pass its length, else 0) against an imported hash may proceed: false when their cost
// would exceed the budget, or, for a hash over the bound stored before the bound existed,
// what that hash costs for typical passwords. The check then does decoy work instead.
bool passwords_within_bound(std::string_view stored, std::size_t typed_bytes, std::size_t normalized_bytes) noexcept;

// The format a stored string claims by its prefix, or nullopt for an unknown one.
std::optional<HashFormat> hash_format(std::string_view stored) noexcept;

// The format's name as audit rows and messages show it ("bcrypt", "sha512-crypt", ...).
const char* format_name(HashFormat format) noexcept;

// Whether checking an importable hash of this format computes a hash (libxcrypt's
// shape probe for scrypt, sha-crypt and yescrypt); the others are judged by parsing only.
bool import_check_hashes(HashFormat format) noexcept;

// Throws invalid_value ("password_hash ...") unless the string is a well-formed hash of a
// supported format that its library can verify, at a cost within the bounds above (judged
// from its parameters). The message never holds the hash.
HashFormat check_importable_hash(std::string_view stored);

// True when the password matches a well-formed hash of any supported format; compares
// in constant time, wipes its copies. False for a string check_importable_hash refuses.
bool hash_matches(std::string_view password, std::string_view stored);

}  // namespace auth::core
