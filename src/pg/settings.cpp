#include "pg/settings.h"

#include <climits>

#include "pg/postgres_headers.h"

namespace auth::pg {
namespace {

constexpr int kSecondsPerDay = 24 * 60 * 60;

int pwhash_opslimit;      // both set from libsodium's INTERACTIVE cost in define_settings
int pwhash_memlimit_kb;
int password_min_length = 8;
int password_max_length = 1024;
int session_ttl = 30 * kSecondsPerDay;
int session_idle_timeout = kSecondsPerDay;
int max_failed_logins_value = 10;
int lockout_duration = 15 * 60;

// Registers one superuser-only integer setting.
void define_int(const char* name, const char* description, int* value, int min, int max,
                int unit_flags) {
    DefineCustomIntVariable(name, description, nullptr, value, *value, min, max, PGC_SUSET,
                            unit_flags, nullptr, nullptr, nullptr);
}

// JWT settings: how tokens are signed and what they claim.
int jwt_algorithm_index = 0;  // into kJwtAlgorithms
char* jwt_issuer_value = nullptr;
char* jwt_role_claim_value = nullptr;
const struct config_enum_entry kJwtAlgorithms[] = {{"EdDSA", 0, false}, {"HS256", 1, false}, {nullptr, 0, false}};

// Registers auth.jwt_algorithm, auth.jwt_issuer and auth.jwt_role_claim, superuser-only.
void define_jwt_settings() {
    DefineCustomEnumVariable("auth.jwt_algorithm", "Signature algorithm of new JWTs: EdDSA (Ed25519) or HS256.",
                             nullptr, &jwt_algorithm_index, 0, kJwtAlgorithms, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable("auth.jwt_issuer", "The iss claim of new JWTs.", nullptr, &jwt_issuer_value, "auth",
                               PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable("auth.jwt_role_claim",
                               "When set, new JWTs carry this value as their role claim (for PostgREST).", nullptr,
                               &jwt_role_claim_value, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

}  // namespace

void define_settings() {
    const core::HashCost interactive = core::interactive_cost();
    pwhash_opslimit = static_cast<int>(interactive.opslimit);
    pwhash_memlimit_kb = static_cast<int>(interactive.memlimit / 1024);
    define_int("auth.pwhash_opslimit", "Argon2id passes over memory for new password hashes.",
               &pwhash_opslimit, 1, INT_MAX, 0);
    define_int("auth.pwhash_memlimit", "Argon2id memory for new password hashes.",
               &pwhash_memlimit_kb, 8, INT_MAX, GUC_UNIT_KB);
    define_int("auth.password_min_length", "Fewest characters a new password may have.",
               &password_min_length, 1, 1024 * 1024, 0);
    define_int("auth.password_max_length", "Most characters a password may have.",
               &password_max_length, 1, 1024 * 1024, 0);
    define_int("auth.session_ttl", "Longest life of a session, from login.", &session_ttl, 1,
               INT_MAX, GUC_UNIT_S);
    define_int("auth.session_idle_timeout", "Time without use after which a session ends.",
               &session_idle_timeout, 1, INT_MAX, GUC_UNIT_S);
    define_int("auth.max_failed_logins",
               "Consecutive failed logins that lock an account (0 turns lockout off).",
               &max_failed_logins_value, 0, INT_MAX, 0);
    define_int("auth.lockout_duration", "How long a locked account stays locked.",
               &lockout_duration, 1, INT_MAX, GUC_UNIT_S);
    define_jwt_settings();
    MarkGUCPrefixReserved("auth");
}

core::HashCost hash_cost() {
    return {static_cast<unsigned long long>(pwhash_opslimit),
            static_cast<std::size_t>(pwhash_memlimit_kb) * 1024};
}

core::PasswordLengthLimits password_limits() {
    return {static_cast<std::size_t>(password_min_length),
            static_cast<std::size_t>(password_max_length)};
}

int session_ttl_seconds() { return session_ttl; }
int session_idle_timeout_seconds() { return session_idle_timeout; }
int max_failed_logins() { return max_failed_logins_value; }
int lockout_seconds() { return lockout_duration; }
const char* jwt_algorithm() { return kJwtAlgorithms[jwt_algorithm_index].name; }
const char* jwt_issuer() { return jwt_issuer_value ? jwt_issuer_value : ""; }
const char* jwt_role_claim() { return jwt_role_claim_value ? jwt_role_claim_value : ""; }

}  // namespace auth::pg
