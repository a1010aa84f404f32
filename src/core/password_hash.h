// Argon2id password hashing and verification through libsodium.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace auth::core {

// Argon2id work factors: passes over memory and memory in bytes.
struct HashCost {
    unsigned long long opslimit;
    std::size_t memlimit;
};

// libsodium's INTERACTIVE cost (t=2, 64 MiB): the contract's default.
HashCost interactive_cost() noexcept;

// Makes sure libsodium is initialised; safe to call more than once.
void init_crypto();

// The standard PHC string ($argon2id$v=19$m=...,t=...,p=1$salt$hash) for a password.
std::string hash_password(std::string_view password, HashCost cost);

// True when the password matches the stored Argon2id PHC string. When there is no
// usable stored hash (no such user, or a string this code cannot read) it does the same
// Argon2id work against decoy_hash(cost) and answers false, so that every failure takes
// as long as a wrong password. Never throws for bad input.
bool verify_password(std::string_view password, std::optional<std::string_view> stored_hash,
                     HashCost cost);

// A valid Argon2id PHC string at this cost that no password matches.
std::string decoy_hash(HashCost cost);

// True when a stored string is one verify_password can check.
bool is_argon2id_hash(std::string_view stored_hash) noexcept;

}  // namespace auth::core
