#include "pg/postgres_headers.h"

#include "pg/settings.h"

#include <unistd.h>

#include <algorithm>
#include <climits>

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
int max_concurrent_hashes_value;  // the number of CPUs, set in define_settings
int reset_token_ttl = 60 * 60;
int sso_code_ttl = 60;
int invitation_ttl = 7 * kSecondsPerDay;
int max_failed_mfa_value = 5;
char* mfa_issuer_value = nullptr;
int max_grants_per_user = 1000;
int password_check_index = 1;  // into kPasswordChecks: dictionary
int password_history_value = 0;
const struct config_enum_entry kPasswordChecks[] = {{"none", 0, false}, {"dictionary", 1, false}, {nullptr, 0, false}};

// OWASP's minimum Argon2id cost (Password Storage Cheat Sheet): 19 MiB, 2 passes.
constexpr int kOwaspMinMemlimitKb = 19 * 1024;
constexpr int kOwaspMinOpslimit = 2;

// Whether a DBA is there to read a warning about this value: the postmaster reading its
// configuration (the server log), or a SET / ALTER ROLE|DATABASE ... SET being made
// (the session). Not every backend re-reading postgresql.conf.
bool someone_sets(GucSource source) { return !IsUnderPostmaster || source >= PGC_S_INTERACTIVE; }

// Warns when auth.pwhash_memlimit is under OWASP's minimum; the value is still taken.
bool warn_on_cheap_memlimit(int* newval, void**, GucSource source) {
    if (*newval < kOwaspMinMemlimitKb && someone_sets(source))
        ereport(WARNING, (errmsg("auth.pwhash_memlimit %d kB is under OWASP's minimum of 19 MiB for Argon2id",
                                 *newval),
                          errhint("New password hashes are cheaper to attack offline.")));
    return true;
}

// Warns when auth.pwhash_opslimit is under OWASP's minimum; the value is still taken.
bool warn_on_cheap_opslimit(int* newval, void**, GucSource source) {
    if (*newval < kOwaspMinOpslimit && someone_sets(source))
        ereport(WARNING, (errmsg("auth.pwhash_opslimit %d is under OWASP's minimum of 2 passes for Argon2id",
                                 *newval),
                          errhint("New password hashes are cheaper to attack offline.")));
    return true;
}

// Registers one superuser-only integer setting.
void define_int(const char* name, const char* description, int* value, int min, int max,
                int unit_flags, GucIntCheckHook check_hook = nullptr) {
    DefineCustomIntVariable(name, description, nullptr, value, *value, min, max, PGC_SUSET,
                            unit_flags, check_hook, nullptr, nullptr);
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
               &pwhash_opslimit, 1, INT_MAX, 0, warn_on_cheap_opslimit);
    define_int("auth.pwhash_memlimit", "Argon2id memory for new password hashes.",
               &pwhash_memlimit_kb, 8, INT_MAX, GUC_UNIT_KB, warn_on_cheap_memlimit);
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
    DefineCustomIntVariable("auth.max_concurrent_hashes",
                            "Password hashes that may run at once in the whole server; more wait.",
                            nullptr, &max_concurrent_hashes_value,
                            static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))), 1, 10000,
                            PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    define_int("auth.reset_token_ttl", "Lifetime of password reset and email verification tokens.",
               &reset_token_ttl, 1, INT_MAX, GUC_UNIT_S);
    // A code travels once through the browser, from the sign-in service to the product,
    // within seconds; an hour is already far more than any redirect needs.
    define_int("auth.sso_code_ttl", "Lifetime of a single sign-on code.", &sso_code_ttl, 1, 60 * 60,
               GUC_UNIT_S);
    // Read by auth.invitation_ttl() (pg_settings): an invitation waits days for its person.
    define_int("auth.invitation_ttl", "Lifetime of an invitation into a product.", &invitation_ttl, 1, INT_MAX,
               GUC_UNIT_S);
    // Second factors (docs/mfa.md): wrong codes before the user's codes lock, and the
    // issuer authenticator apps show.
    define_int("auth.max_failed_mfa", "Consecutive wrong second-factor codes that lock a user's codes (0: never).",
               &max_failed_mfa_value, 0, INT_MAX, 0);
    DefineCustomStringVariable("auth.mfa_issuer", "The issuer authenticator apps show for a TOTP factor.", nullptr,
                               &mfa_issuer_value, "auth", PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // Read by auth.grant (current_setting): a user's grants within one product.
    define_int("auth.max_grants_per_user", "Most grants a user may hold within one product.",
               &max_grants_per_user, 1, 1000000, 0);
    // NIST SP 800-63B 5.1.1.2: new passwords are compared with lists of weak ones.
    DefineCustomEnumVariable("auth.password_check",
                             "Quality check of new passwords: dictionary (cracklib, and the user's names) or none.",
                             nullptr, &password_check_index, 1, kPasswordChecks, PGC_SUSET, 0, nullptr, nullptr,
                             nullptr);
    // Each remembered password costs one Argon2id verification per change: 24 bounds it.
    define_int("auth.password_history", "How many earlier passwords of a user may not be set again.",
               &password_history_value, 0, 24, 0);
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
int max_concurrent_hashes() { return max_concurrent_hashes_value; }
int reset_token_ttl_seconds() { return reset_token_ttl; }
int sso_code_ttl_seconds() { return sso_code_ttl; }
int max_failed_mfa() { return max_failed_mfa_value; }
const char* mfa_issuer() { return mfa_issuer_value ? mfa_issuer_value : ""; }
bool password_check_dictionary() { return password_check_index == 1; }

}  // namespace auth::pg
