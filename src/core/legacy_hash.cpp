#include "core/legacy_hash.h"

#include <crypt.h>
#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/foreign_hash.h"
#include "core/secret.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

struct Prefix {
    const char* text;
    HashFormat format;
};

constexpr Prefix kPrefixes[] = {
    {"$argon2id$", HashFormat::argon2id}, {"$argon2i$", HashFormat::argon2i},
    {"$7$", HashFormat::scrypt},          {"$2a$", HashFormat::bcrypt},
    {"$2b$", HashFormat::bcrypt},         {"$2y$", HashFormat::bcrypt},
    {"$6$", HashFormat::sha512crypt},     {"$5$", HashFormat::sha256crypt},
    {"$y$", HashFormat::yescrypt},
    {"pbkdf2_sha256$", HashFormat::django_pbkdf2_sha256}, {"pbkdf2_sha1$", HashFormat::django_pbkdf2_sha1},
    {"argon2$argon2id$", HashFormat::django_argon2},     {"argon2$argon2i$", HashFormat::django_argon2},
    {"bcrypt_sha256$$2", HashFormat::django_bcrypt_sha256},
    {"$pbkdf2$", HashFormat::pbkdf2_sha1},               {"$pbkdf2-sha256$", HashFormat::pbkdf2_sha256},
    {"$pbkdf2-sha512$", HashFormat::pbkdf2_sha512},      {"$firebase-scrypt$", HashFormat::firebase_scrypt},
};

// Django's argon2 and bcrypt_sha256 strings wrap a plain PHC or bcrypt string: where it starts.
constexpr std::size_t kDjangoArgon2Skip = 6, kDjangoBcryptSkip = 14;  // "argon2", "bcrypt_sha256$"

// The PBKDF2 parse of a stored string of one of the PBKDF2 formats, else nullopt.
std::optional<Pbkdf2Hash> pbkdf2_of(HashFormat format, std::string_view stored) {
    switch (format) {
        case HashFormat::django_pbkdf2_sha256:
        case HashFormat::django_pbkdf2_sha1: return parse_django_pbkdf2(stored);
        case HashFormat::pbkdf2_sha1:
        case HashFormat::pbkdf2_sha256:
        case HashFormat::pbkdf2_sha512: return parse_passlib_pbkdf2(stored);
        case HashFormat::aspnet_identity_v2:
        case HashFormat::aspnet_identity_v3: return parse_aspnet_identity(stored);
        default: return std::nullopt;
    }
}

// Whether a format is PBKDF2 of some system.
bool is_pbkdf2_format(HashFormat format) {
    switch (format) {
        case HashFormat::django_pbkdf2_sha256: case HashFormat::django_pbkdf2_sha1:
        case HashFormat::pbkdf2_sha1: case HashFormat::pbkdf2_sha256: case HashFormat::pbkdf2_sha512:
        case HashFormat::aspnet_identity_v2: case HashFormat::aspnet_identity_v3: return true;
        default: return false;
    }
}

// The string and format a wrapped Django hash verifies as (Argon2 PHC, bcrypt), else itself.
std::pair<std::string_view, HashFormat> unwrapped(HashFormat format, std::string_view stored) {
    if (format == HashFormat::django_argon2) {
        const std::string_view inner = stored.substr(kDjangoArgon2Skip);
        return {inner, inner.substr(0, 10) == "$argon2id$" ? HashFormat::argon2id : HashFormat::argon2i};
    }
    if (format == HashFormat::django_bcrypt_sha256) return {stored.substr(kDjangoBcryptSkip), HashFormat::bcrypt};
    return {stored, format};
}

// ASP.NET Core Identity's PasswordHash has no prefix: base64 whose first byte is the
// format marker, 0x00 (v2: "A" then A-P) or 0x01 with a PRF of 0-2 (v3: "AQAAAA").
std::optional<HashFormat> aspnet_format(std::string_view stored) {
    if (stored.size() < 16 || stored.find('$') != std::string_view::npos) return std::nullopt;
    if (stored.substr(0, 6) == "AQAAAA") return HashFormat::aspnet_identity_v3;
    if (stored[0] == 'A' && stored[1] >= 'A' && stored[1] <= 'P') return HashFormat::aspnet_identity_v2;
    return std::nullopt;
}

// bcrypt's alphabet.
bool bcrypt_char(char c) {
    return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// The shape of a bcrypt string, checked without hashing: $2?$NN$ then 22 salt and 31
// hash characters of its alphabet (libxcrypt ignores stray low bits, as 0.1.0 did).
bool bcrypt_shape(std::string_view s) {
    if (s.size() != 60 || s[0] != '$' || s[1] != '2' || (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') ||
        s[3] != '$' || s[6] != '$' || !(s.substr(4, 2) >= "04" && s.substr(4, 2) <= "31"))
        return false;
    for (std::size_t i = 7; i < 60; i++)
        if (!bcrypt_char(s[i])) return false;
    return true;
}

// Whether libsodium verifies this format itself (Argon2) rather than libxcrypt.
bool is_libsodium_format(HashFormat format) {
    return format == HashFormat::argon2id || format == HashFormat::argon2i;
}

// Printable ASCII only: every supported format is, and it keeps NULs and line breaks out.
bool printable_ascii(std::string_view s) {
    for (const char c : s)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

// The string NUL-terminated in a buffer libsodium accepts, or nullopt when too long.
std::optional<std::string> libsodium_string(std::string_view stored) {
    if (stored.size() >= crypto_pwhash_STRBYTES) return std::nullopt;
    return std::string(stored);
}

// libsodium's own parse of an Argon2 string: needs_rehash answers -1 for a malformed one.
bool libsodium_well_formed(HashFormat format, const std::string& stored) {
    if (format == HashFormat::argon2id)
        return crypto_pwhash_argon2id_str_needs_rehash(stored.c_str(), 1, 8192) != -1;
    return crypto_pwhash_argon2i_str_needs_rehash(stored.c_str(), 1, 8192) != -1;
}

// Whether the password matches an Argon2 string, by libsodium's constant-time verifier.
bool libsodium_matches(HashFormat format, std::string_view password, const std::string& stored) {
    if (format == HashFormat::argon2id)
        return crypto_pwhash_argon2id_str_verify(stored.c_str(), password.data(), password.size()) == 0;
    return crypto_pwhash_argon2i_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

// libxcrypt's working memory, wiped before it is freed (it holds derived key material).
class CryptData {
public:
    CryptData() : data_(new crypt_data) { std::memset(data_.get(), 0, sizeof(crypt_data)); }
    CryptData(const CryptData&) = delete;
    CryptData& operator=(const CryptData&) = delete;
    ~CryptData() { wipe(data_.get(), sizeof(crypt_data)); }
    crypt_data* get() { return data_.get(); }

private:
    std::unique_ptr<crypt_data> data_;
};

// crypt_r's output for this password under the stored setting, or nullopt when libxcrypt
// refuses the setting (its failure tokens start with '*'). A Secret's bytes are a
// std::string's, so NUL-terminated, and no unwiped copy is made.
std::optional<std::string_view> crypt_output(CryptData& data, const Secret& password,
                                             const std::string& stored) {
    const char* out = crypt_r(password.view().data(), stored.c_str(), data.get());
    if (out == nullptr || out[0] != '$') return std::nullopt;
    return std::string_view(out);
}

// The unsigned decimal number that starts `s` after `prefix`, or nullopt.
std::optional<unsigned long long> number_after(std::string_view s, std::string_view prefix) {
    const std::size_t at = s.find(prefix);
    if (at == std::string_view::npos) return std::nullopt;
    std::size_t i = at + prefix.size();
    unsigned long long value = 0;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 19) value = value * 10 + (s[i++] - '0');
    if (i == start) return std::nullopt;
    return value;
}

// Position of a character in the crypt alphabet ./0-9A-Za-z, or 64 for another one.
unsigned crypt64_index(char c) {
    static constexpr std::string_view kAlphabet =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const std::size_t at = kAlphabet.find(c);
    return at == std::string_view::npos ? 64 : static_cast<unsigned>(at);
}

// A 30-bit number in five crypt-alphabet characters, least significant first ($7$).
std::optional<unsigned long long> crypt64_uint30(std::string_view five) {
    unsigned long long value = 0;
    for (std::size_t i = 0; i < 5; i++) {
        const unsigned digit = crypt64_index(five[i]);
        if (digit > 63) return std::nullopt;
        value |= static_cast<unsigned long long>(digit) << (6 * i);
    }
    return value;
}

// The cost model's constants, measured on the reference machine (2 cores, Debian 12;
// docs/passwords.md): time per unit of each format's work, rounded up.
constexpr double kSha512RoundNs = 230, kSha512ByteRoundNs = 4.1;  // per round, per byte and round
constexpr double kSha256RoundNs = 300, kSha256ByteRoundNs = 5.0;
constexpr unsigned long long kShaCryptDefaultRounds = 5000, kShaCryptMinRounds = 1000;
constexpr double kBcryptMsPerRound = 0.05;       // per one of its 2^cost rounds (cost 13: 405 ms)
constexpr double kArgon2MsPerKibPass = 0.00055;  // per KiB of m, per pass (256 MiB, t=3: 430 ms)
constexpr double kScryptMsPerMib = 1.8;          // per MiB of 128 r N, per p (32 MiB: 57 ms)
constexpr double kYescryptMsPerMib = 1.1;        // per MiB of 128 r N (512 MiB: 568 ms)
constexpr double kMib = 1024.0 * 1024.0;

// yescrypt's variable-length number in the crypt alphabet (libxcrypt's $y$ parameters):
// one character holds 0-47 above `min`; a larger first character says more follow.
std::optional<unsigned long long> yescrypt_number(std::string_view s, std::size_t& at, unsigned long long min) {
    if (at >= s.size()) return std::nullopt;
    unsigned c = crypt64_index(s[at++]);
    if (c > 63) return std::nullopt;
    unsigned long long value = min;
    unsigned start = 0, end = 47, extra = 0, bits = 0;
    while (c > end) {
        value += static_cast<unsigned long long>(end + 1 - start) << bits;
        start = end + 1;
        end = start + (62 - end) / 2;
        extra++;
        bits += 6;
    }
    value += static_cast<unsigned long long>(c - start) << bits;
    while (extra-- > 0) {
        if (at >= s.size()) return std::nullopt;
        c = crypt64_index(s[at++]);
        if (c > 63) return std::nullopt;
        bits -= 6;
        value += static_cast<unsigned long long>(c) << bits;
    }
    return value;
}

// One verification of sha-crypt: every round hashes the password again.
VerifyCost sha_crypt_cost(HashFormat format, std::string_view stored, std::size_t password_bytes) {
    unsigned long long rounds = kShaCryptDefaultRounds;
    if (stored.substr(3, 7) == "rounds=") {
        const auto named = number_after(stored.substr(3), "rounds=");
        if (named) rounds = std::max(*named, kShaCryptMinRounds);
    }
    const bool sha512 = format == HashFormat::sha512crypt;
    const double per_round = (sha512 ? kSha512RoundNs : kSha256RoundNs) +
                             (sha512 ? kSha512ByteRoundNs : kSha256ByteRoundNs) * static_cast<double>(password_bytes);
    return VerifyCost{static_cast<double>(rounds) * per_round / 1e6, 0, true};
}

// Throws the refusal of a hash whose check would cost too much; the detail says why in
// the hash's own terms (never the hash itself).
[[noreturn]] void too_costly(HashFormat format, const VerifyCost& cost) {
    std::string why = std::string(format_name(format)) + ": ";
    if (cost.memory > kMaxHashMemoryBytes)
        why += std::to_string(cost.memory >> 20) + " MiB of memory for each verification; the bound is " +
               std::to_string(kMaxHashMemoryBytes >> 20) + " MiB.";
    else
        why += "about " + std::to_string(static_cast<long long>(cost.ms)) + " ms for each verification of a " +
               std::to_string(kTypicalPasswordBytes) + "-byte password; a check may verify twice within " +
               std::to_string(static_cast<long long>(kCheckBudgetMs)) + " ms.";
    throw Error(ErrorKind::invalid_value, "password_hash asks for more work than auth verifies at a login", why);
}

// Whether a cost is within the bounds for a typical password.
bool cost_within_bound(const VerifyCost& cost) {
    return cost.memory <= kMaxHashMemoryBytes && 2 * cost.ms <= kCheckBudgetMs;
}

// Throws when a well-formed hash's check would cost more than the bounds, or when its
// parameters are of a kind the model does not know (yescrypt's rarely used extras).
void check_cost(HashFormat format, std::string_view stored);

}  // namespace

std::optional<HashFormat> hash_format(std::string_view stored) noexcept {
    for (const Prefix& p : kPrefixes)
        if (stored.substr(0, std::strlen(p.text)) == p.text) return p.format;
    return aspnet_format(stored);
}

const char* format_name(HashFormat format) noexcept {
    switch (format) {
        case HashFormat::argon2id: return "argon2id";
        case HashFormat::argon2i: return "argon2i";
        case HashFormat::scrypt: return "scrypt";
        case HashFormat::bcrypt: return "bcrypt";
        case HashFormat::sha512crypt: return "sha512-crypt";
        case HashFormat::sha256crypt: return "sha256-crypt";
        case HashFormat::yescrypt: return "yescrypt";
        case HashFormat::django_pbkdf2_sha256: return "django-pbkdf2-sha256";
        case HashFormat::django_pbkdf2_sha1: return "django-pbkdf2-sha1";
        case HashFormat::django_argon2: return "django-argon2";
        case HashFormat::django_bcrypt_sha256: return "django-bcrypt-sha256";
        case HashFormat::pbkdf2_sha1: return "pbkdf2-sha1";
        case HashFormat::pbkdf2_sha256: return "pbkdf2-sha256";
        case HashFormat::pbkdf2_sha512: return "pbkdf2-sha512";
        case HashFormat::aspnet_identity_v2: return "aspnet-identity-v2";
        case HashFormat::aspnet_identity_v3: return "aspnet-identity-v3";
        case HashFormat::firebase_scrypt: return "firebase-scrypt";
    }
    return "unknown";
}

std::optional<VerifyCost> verify_cost(std::string_view full, std::size_t password_bytes) noexcept {
    const auto outer = hash_format(full);
    if (!outer) return std::nullopt;
    try {
        if (is_pbkdf2_format(*outer)) {
            const auto parsed = pbkdf2_of(*outer, full);
            if (!parsed) return std::nullopt;
            return VerifyCost{pbkdf2_cost_ms(*parsed), 0, false};
        }
        if (*outer == HashFormat::firebase_scrypt) {
            const auto parsed = parse_firebase_scrypt(full);
            if (!parsed) return std::nullopt;
            return VerifyCost{firebase_cost_ms(*parsed), firebase_memory(*parsed), false};
        }
        const auto [stored, format] = unwrapped(*outer, full);
        switch (format) {
            case HashFormat::sha512crypt:
            case HashFormat::sha256crypt:
                return sha_crypt_cost(format, stored, password_bytes);
            case HashFormat::bcrypt: {
                // "$2b$NN$": two decimal digits, 04-31 in a well-formed hash.
                const std::string_view digits = stored.substr(4, 2);
                if (digits.size() != 2 || digits[0] < '0' || digits[0] > '9' || digits[1] < '0' || digits[1] > '9')
                    return std::nullopt;
                const unsigned cost = static_cast<unsigned>((digits[0] - '0') * 10 + (digits[1] - '0'));
                return VerifyCost{std::ldexp(kBcryptMsPerRound, static_cast<int>(cost)), 4096, false};
            }
            case HashFormat::scrypt: {
                // "$7$" N (one character, log2) r (five) p (five).
                if (stored.size() < 14) return std::nullopt;
                const unsigned n_log2 = crypt64_index(stored[3]);
                const auto r = crypt64_uint30(stored.substr(4, 5));
                const auto p = crypt64_uint30(stored.substr(9, 5));
                if (n_log2 > 63 || !r || !p) return std::nullopt;
                const double memory = 128.0 * static_cast<double>(*r) * std::ldexp(1.0, static_cast<int>(n_log2));
                return VerifyCost{memory / kMib * kScryptMsPerMib * static_cast<double>(std::max(*p, 1ull)),
                                  memory >= 1.8e19 ? ~0ull : static_cast<unsigned long long>(memory), false};
            }
            case HashFormat::yescrypt: {
                // "$y$" flavor N_log2 r, then '$' or further parameters (p, t, g, ROM).
                std::size_t at = 3;
                const auto flavor = yescrypt_number(stored, at, 0);
                const auto n_log2 = yescrypt_number(stored, at, 1);
                const auto r = yescrypt_number(stored, at, 1);
                if (!flavor || !n_log2 || !r || *n_log2 > 63 || at >= stored.size()) return std::nullopt;
                if (stored[at] != '$') return std::nullopt;  // further parameters: not modelled
                const double memory = 128.0 * static_cast<double>(*r) * std::ldexp(1.0, static_cast<int>(*n_log2));
                return VerifyCost{memory / kMib * kYescryptMsPerMib,
                                  memory >= 1.8e19 ? ~0ull : static_cast<unsigned long long>(memory), false};
            }
            case HashFormat::argon2id:
            case HashFormat::argon2i: {
                const auto m = number_after(stored, "$m=");
                const auto t = number_after(stored, ",t=");
                if (!m || !t) return std::nullopt;
                return VerifyCost{static_cast<double>(*m) * static_cast<double>(*t) * kArgon2MsPerKibPass,
                                  *m >= (1ull << 53) ? ~0ull : *m * 1024, false};
            }
            default: return std::nullopt;
        }
    } catch (...) {
    }
    return std::nullopt;
}

bool over_bound(std::string_view stored) noexcept {
    const auto cost = verify_cost(stored, kTypicalPasswordBytes);
    return cost && !cost_within_bound(*cost);
}

bool passwords_within_bound(std::string_view stored, std::size_t typed_bytes, std::size_t normalized_bytes) noexcept {
    const auto typical = verify_cost(stored, kTypicalPasswordBytes);
    if (!typical || !typical->grows_with_password) return true;
    // libxcrypt refuses (at no cost) a passphrase of kCryptMaxPassphraseBytes or more.
    const auto cost_of = [&](std::size_t bytes) {
        if (bytes == 0 || bytes >= kCryptMaxPassphraseBytes) return 0.0;
        const auto c = verify_cost(stored, bytes);
        return c ? c->ms : 0.0;
    };
    const double budget = std::max(kCheckBudgetMs, 2 * typical->ms);
    return cost_of(typed_bytes) + cost_of(normalized_bytes) <= budget;
}

namespace {
void check_cost(HashFormat format, std::string_view stored) {
    const auto cost = verify_cost(stored, kTypicalPasswordBytes);
    if (!cost)
        throw Error(ErrorKind::invalid_value, "password_hash asks for more work than auth verifies at a login",
                    std::string(format_name(format)) + ": its cost parameters are not ones auth can bound.");
    if (!cost_within_bound(*cost)) too_costly(format, *cost);
}
}  // namespace

bool import_check_hashes(HashFormat format) noexcept {
    return format == HashFormat::scrypt || format == HashFormat::sha512crypt || format == HashFormat::sha256crypt ||
           format == HashFormat::yescrypt;
}

HashFormat check_importable_hash(std::string_view full) {
    const auto outer = hash_format(full);
    if (!outer)
        throw Error(ErrorKind::invalid_value, "password_hash is not in a supported format",
                    "Expected $argon2id$, $argon2i$, $7$, $2a$, $2b$, $2y$, $6$, $5$, $y$, Django's pbkdf2_sha256$, "
                    "pbkdf2_sha1$, argon2$ or bcrypt_sha256$, passlib's $pbkdf2$, $pbkdf2-sha256$ or "
                    "$pbkdf2-sha512$, an ASP.NET Core Identity v2/v3 hash, or $firebase-scrypt$ (docs/migration.md).");
    const std::string malformed = std::string("password_hash is not a well-formed ") +
                                  format_name(*outer) + " hash";
    if (full.size() > kMaxImportedHashBytes || !printable_ascii(full))
        throw Error(ErrorKind::invalid_value, malformed);
    // The formats of foreign_hash.h: parsed in full (never hashed), then priced.
    if (is_pbkdf2_format(*outer) || *outer == HashFormat::firebase_scrypt) {
        const bool parsed = is_pbkdf2_format(*outer) ? pbkdf2_of(*outer, full).has_value()
                                                     : parse_firebase_scrypt(full).has_value();
        if (!parsed) throw Error(ErrorKind::invalid_value, malformed);
        check_cost(*outer, full);
        return *outer;
    }
    const auto [stored, inner] = unwrapped(*outer, full);
    const auto format = std::optional<HashFormat>(inner);
    if (*outer == HashFormat::django_argon2 && !(inner == HashFormat::argon2id || inner == HashFormat::argon2i))
        throw Error(ErrorKind::invalid_value, malformed);
    // Well-formed first (a cost field outside the format's range is malformed), then the
    // cost bounds, and only then any hashing.
    if (is_libsodium_format(*format)) {
        const auto copy = libsodium_string(stored);
        if (!copy || !libsodium_well_formed(*format, *copy)) throw Error(ErrorKind::invalid_value, malformed);
        check_cost(*outer, full);
        return *outer;
    }
    // bcrypt (plain or Django's): its shape is checked without hashing, so importing the
    // bcrypt exports of Auth0 and Supabase in bulk computes nothing.
    if (*format == HashFormat::bcrypt) {
        if (!bcrypt_shape(stored)) throw Error(ErrorKind::invalid_value, malformed);
        check_cost(*outer, full);
        return *outer;
    }
    const std::string copy(stored);
    // A legacy or cheap method (sha256-crypt, low-cost bcrypt) is still importable: it is
    // replaced by Argon2id at the first login.
    const int salt_check = crypt_checksalt(copy.c_str());
    if (salt_check == CRYPT_SALT_INVALID || salt_check == CRYPT_SALT_METHOD_DISABLED)
        throw Error(ErrorKind::invalid_value, malformed);
    check_cost(*outer, full);
    // The setting is valid; the whole string must also have the shape of crypt_r's own
    // output for it: same length, same text up to the last '$' (method, cost, salt).
    CryptData data;
    const Secret probe("");
    const auto out = crypt_output(data, probe, copy);
    const std::size_t head = copy.rfind('$');
    if (!out || out->size() != copy.size() || out->substr(0, head) != std::string_view(copy).substr(0, head))
        throw Error(ErrorKind::invalid_value, malformed);
    return *outer;
}

bool hash_matches(std::string_view password, std::string_view full) {
    const auto outer = hash_format(full);
    if (!outer || full.size() > kMaxImportedHashBytes || !printable_ascii(full)) return false;
    if (is_pbkdf2_format(*outer)) {
        const auto parsed = pbkdf2_of(*outer, full);
        return parsed && pbkdf2_matches(password, *parsed);
    }
    if (*outer == HashFormat::firebase_scrypt) {
        const auto parsed = parse_firebase_scrypt(full);
        return parsed && firebase_matches(password, *parsed);
    }
    const auto [stored, inner] = unwrapped(*outer, full);
    const auto format = std::optional<HashFormat>(inner);
    if (*outer == HashFormat::django_bcrypt_sha256) {
        // Django gives bcrypt the hex SHA-256 of the password, not the password.
        const Secret digest = sha256_hex(password);
        return hash_matches(digest.view(), stored);
    }
    if (is_libsodium_format(*format)) {
        const auto copy = libsodium_string(stored);
        return copy && libsodium_matches(*format, password, *copy);
    }
    const std::string copy(stored);
    CryptData data;
    const Secret phrase(password);
    const auto out = crypt_output(data, phrase, copy);
    return out && out->size() == copy.size() &&
           sodium_memcmp(out->data(), copy.data(), copy.size()) == 0;
}

}  // namespace auth::core
