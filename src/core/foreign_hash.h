// The hash formats of the systems people move in from (Django, passlib/Keycloak, ASP.NET
// Core Identity, Firebase): parsed without hashing, priced from their parameters, and
// verified with OpenSSL's PBKDF2, libsodium's scrypt and OpenSSL's AES-256-CTR.
// docs/migration.md documents each layout and its source.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/secret.h"

namespace auth::core {

// The PRF of a PBKDF2 hash.
enum class Prf { sha1, sha256, sha512 };

// A PBKDF2 hash, whichever system wrote it: the password's UTF-8 bytes derive `key`.
struct Pbkdf2Hash {
    Prf prf;
    unsigned long long iterations;
    std::string salt;  // the bytes PBKDF2 takes (Django: the salt's text itself)
    std::string key;   // the derived key the password must reproduce
};

// A Firebase modified-scrypt hash in the layout docs/migration.md defines:
// $firebase-scrypt$r=<rounds>,m=<mem_cost>$<signer key>$<salt separator>$<salt>$<hash>
// (standard base64 each, as the Firebase console and CLI show them).
struct FirebaseHash {
    unsigned rounds;    // scrypt's r
    unsigned mem_cost;  // scrypt's N is 2^mem_cost
    std::string signer_key, salt_separator, salt, hash;
};

// Django's pbkdf2_sha256$/pbkdf2_sha1$ strings; nullopt when malformed.
std::optional<Pbkdf2Hash> parse_django_pbkdf2(std::string_view stored) noexcept;
// passlib's $pbkdf2$, $pbkdf2-sha256$, $pbkdf2-sha512$ (adapted base64); nullopt when malformed.
std::optional<Pbkdf2Hash> parse_passlib_pbkdf2(std::string_view stored) noexcept;
// ASP.NET Core Identity's PasswordHash (base64 of format marker v2 0x00 or v3 0x01 and
// its fields); nullopt when malformed.
std::optional<Pbkdf2Hash> parse_aspnet_identity(std::string_view stored) noexcept;
// The Firebase layout above; nullopt when malformed.
std::optional<FirebaseHash> parse_firebase_scrypt(std::string_view stored) noexcept;

// Milliseconds one PBKDF2 verification costs here (measured constants, docs/passwords.md).
double pbkdf2_cost_ms(const Pbkdf2Hash& hash) noexcept;
// Milliseconds and bytes of memory one Firebase verification costs.
double firebase_cost_ms(const FirebaseHash& hash) noexcept;
unsigned long long firebase_memory(const FirebaseHash& hash) noexcept;

// Whether the password reproduces the derived key (constant-time comparison).
bool pbkdf2_matches(std::string_view password, const Pbkdf2Hash& hash);
// Whether the password reproduces Firebase's hash (constant-time comparison).
bool firebase_matches(std::string_view password, const FirebaseHash& hash);

// Lower-case hex of SHA-256 of the password: what Django's bcrypt_sha256 gives bcrypt.
Secret sha256_hex(std::string_view password);

}  // namespace auth::core
