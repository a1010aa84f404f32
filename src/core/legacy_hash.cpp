#include "core/legacy_hash.h"

#include <crypt.h>
#include <sodium.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "core/error.h"
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
};

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

// Throws when the cost a hash names plainly is over the bounds; the detail says which.
void check_named_cost(HashFormat format, std::string_view stored) {
    const auto too_costly = [&](const std::string& what) {
        throw Error(ErrorKind::invalid_value,
                    std::string("password_hash asks for more work than auth verifies at a login"),
                    std::string(format_name(format)) + " " + what + ".");
    };
    switch (format) {
        case HashFormat::bcrypt: {
            // "$2b$NN$...": two decimal digits; anything else crypt_checksalt refuses.
            const std::string_view digits = stored.substr(4, 2);
            if (digits.size() != 2 || digits[0] < '0' || digits[0] > '9' || digits[1] < '0' || digits[1] > '9')
                return;
            const unsigned cost = static_cast<unsigned>((digits[0] - '0') * 10 + (digits[1] - '0'));
            if (cost > kMaxBcryptCost)
                too_costly("cost " + std::to_string(cost) + " is over " + std::to_string(kMaxBcryptCost));
            return;
        }
        case HashFormat::sha512crypt:
        case HashFormat::sha256crypt: {
            if (stored.substr(3, 7) != "rounds=") return;  // the default, 5,000
            const auto rounds = number_after(stored.substr(3), "rounds=");
            if (rounds && *rounds > kMaxShaCryptRounds)
                too_costly("rounds " + std::to_string(*rounds) + " are over " + std::to_string(kMaxShaCryptRounds));
            return;
        }
        case HashFormat::scrypt: {
            if (stored.size() < 14) return;  // malformed; crypt_checksalt refuses it
            const unsigned n_log2 = crypt64_index(stored[3]);
            const auto r = crypt64_uint30(stored.substr(4, 5));
            if (n_log2 > 63 || !r) return;
            const unsigned long long memory = n_log2 >= 40 ? ~0ull : 128ull * *r << n_log2;
            if (n_log2 >= 40 || *r > (1u << 20) || memory > kMaxMemoryBytes)
                too_costly("memory 128 * r * N is over 1 GiB");
            return;
        }
        case HashFormat::argon2id:
        case HashFormat::argon2i: {
            const auto m = number_after(stored, "$m=");
            const auto t = number_after(stored, ",t=");
            if (!m || !t) return;  // libsodium's parse refuses it
            if (*m > kMaxMemoryBytes / 1024) too_costly("memory m=" + std::to_string(*m) + " KiB is over 1 GiB");
            if (*m * *t > kMaxArgon2PassKib)
                too_costly("t * m = " + std::to_string(*m * *t) + " KiB is over 4 GiB");
            return;
        }
        case HashFormat::yescrypt:
            return;  // its parameters are packed; the timed check below bounds it
    }
}

}  // namespace

std::optional<HashFormat> hash_format(std::string_view stored) noexcept {
    for (const Prefix& p : kPrefixes)
        if (stored.substr(0, std::strlen(p.text)) == p.text) return p.format;
    return std::nullopt;
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
    }
    return "unknown";
}

HashFormat check_importable_hash(std::string_view stored) {
    const auto format = hash_format(stored);
    if (!format)
        throw Error(ErrorKind::invalid_value, "password_hash is not in a supported format",
                    "Expected $argon2id$, $argon2i$, $7$, $2a$, $2b$, $2y$, $6$, $5$ or $y$.");
    const std::string malformed = std::string("password_hash is not a well-formed ") +
                                  format_name(*format) + " hash";
    if (stored.size() > kMaxImportedHashBytes || !printable_ascii(stored))
        throw Error(ErrorKind::invalid_value, malformed);
    // Well-formed first (a cost field outside the format's range is malformed), then the
    // cost bounds, and only then any hashing.
    if (is_libsodium_format(*format)) {
        const auto copy = libsodium_string(stored);
        if (!copy || !libsodium_well_formed(*format, *copy)) throw Error(ErrorKind::invalid_value, malformed);
        check_named_cost(*format, stored);
        return *format;
    }
    const std::string copy(stored);
    // A legacy or cheap method (sha256-crypt, low-cost bcrypt) is still importable: it is
    // replaced by Argon2id at the first login.
    const int salt_check = crypt_checksalt(copy.c_str());
    if (salt_check == CRYPT_SALT_INVALID || salt_check == CRYPT_SALT_METHOD_DISABLED)
        throw Error(ErrorKind::invalid_value, malformed);
    // crypt_checksalt lets any two digits through as a bcrypt cost; the format has 04-31.
    if (*format == HashFormat::bcrypt && !(stored.substr(4, 2) >= "04" && stored.substr(4, 2) <= "31"))
        throw Error(ErrorKind::invalid_value, malformed);
    check_named_cost(*format, stored);
    // The setting is valid; the whole string must also have the shape of crypt_r's own
    // output for it: same length, same text up to the last '$' (method, cost, salt).
    CryptData data;
    const Secret probe("");
    const auto started = std::chrono::steady_clock::now();
    const auto out = crypt_output(data, probe, copy);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    const std::size_t head = copy.rfind('$');
    if (!out || out->size() != copy.size() || out->substr(0, head) != std::string_view(copy).substr(0, head))
        throw Error(ErrorKind::invalid_value, malformed);
    if (took.count() > kMaxVerifySeconds)
        throw Error(ErrorKind::invalid_value, "password_hash asks for more work than auth verifies at a login",
                    std::string(format_name(*format)) + ": one verification took " +
                        std::to_string(static_cast<int>(took.count())) + " s here.");
    return *format;
}

bool hash_matches(std::string_view password, std::string_view stored) {
    const auto format = hash_format(stored);
    if (!format || stored.size() > kMaxImportedHashBytes || !printable_ascii(stored)) return false;
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
