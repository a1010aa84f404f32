// The auth.* settings (GUCs), registered when the library loads.
#pragma once

#include "core/input_rules.h"
#include "core/password_hash.h"

namespace auth::pg {

// Registers every auth.* setting and reserves the prefix, so a misspelt name is an error.
void define_settings();

// Argon2id cost for new hashes, from auth.pwhash_opslimit and auth.pwhash_memlimit.
core::HashCost hash_cost();

// Password length bounds, from auth.password_min_length and auth.password_max_length.
core::PasswordLengthLimits password_limits();

// auth.session_ttl and auth.session_idle_timeout, in seconds.
int session_ttl_seconds();
int session_idle_timeout_seconds();

// auth.max_failed_logins and auth.lockout_duration (seconds).
int max_failed_logins();
int lockout_seconds();

// auth.jwt_algorithm ("EdDSA" or "HS256"), auth.jwt_issuer and auth.jwt_role_claim
// ("" when unset).
const char* jwt_algorithm();
const char* jwt_issuer();
const char* jwt_role_claim();
// auth.max_concurrent_hashes: password hashes that may run at once in the server.
int max_concurrent_hashes();

// auth.reset_token_ttl (seconds): lifetime of reset and verification tokens.
int reset_token_ttl_seconds();

// auth.sso_code_ttl (seconds): lifetime of a single sign-on code.
int sso_code_ttl_seconds();

// auth.max_failed_mfa: wrong second-factor codes in a row that lock the user's codes.
int max_failed_mfa();
// auth.mfa_issuer: the issuer in a TOTP key URI.
const char* mfa_issuer();
// auth.password_check = dictionary: new passwords get cracklib's check and the names check.
bool password_check_dictionary();

}  // namespace auth::pg
