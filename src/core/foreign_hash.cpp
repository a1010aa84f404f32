#include "core/foreign_hash.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "core/error.h"
#include "core/secret.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

// Limits that keep a malformed or hostile string from asking for silly buffers.
constexpr std::size_t kMaxSaltBytes = 1024, kMinKeyBytes = 16, kMaxKeyBytes = 64;
constexpr std::size_t kMaxFirebaseKeyBytes = 256;

// Measured on the reference machine (2 cores, Debian 12, OpenSSL 3.0): time of one PBKDF2
// iteration per output block, rounded up (hashlib.pbkdf2_hmac, the same OpenSSL: sha1 250,
// sha256 246, sha512 598 ns); libsodium's scrypt per MiB of 128 r N (16 MiB: 53 ms).
constexpr double kPbkdf2Sha1Ns = 300, kPbkdf2Sha256Ns = 300, kPbkdf2Sha512Ns = 700;
constexpr double kFirebaseMsPerMib = 3.5;

// The fields of a '$'-separated string, empty ones included.
std::vector<std::string_view> fields(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = s.find('$', start);
        out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

// A positive decimal number of at most 10 digits, no sign or leading zero; else nullopt.
std::optional<unsigned long long> positive_decimal(std::string_view s) {
    if (s.empty() || s.size() > 10 || s[0] == '0') return std::nullopt;
    unsigned long long value = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value;
}

// Bytes of a base64 text in one of libsodium's variants; nullopt unless all of it decodes.
std::optional<std::string> base64_bytes(std::string_view text, int variant) {
    if (text.empty()) return std::string();
    std::string out(text.size(), '\0');
    std::size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                          nullptr, &length, &end, variant) != 0 ||
        end != text.data() + text.size())
        return std::nullopt;
    out.resize(length);
    return out;
}

// Standard base64 with its padding (Django, ASP.NET, Firebase).
std::optional<std::string> standard_base64(std::string_view text) {
    return base64_bytes(text, sodium_base64_VARIANT_ORIGINAL);
}

// passlib's adapted base64: '.' for '+', no padding.
std::optional<std::string> adapted_base64(std::string_view text) {
    if (text.find('+') != std::string_view::npos) return std::nullopt;
    std::string plain(text);
    std::replace(plain.begin(), plain.end(), '.', '+');
    return base64_bytes(plain, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

// The size of a PRF's output, in bytes.
std::size_t digest_bytes(Prf prf) { return prf == Prf::sha1 ? 20 : prf == Prf::sha256 ? 32 : 64; }

// OpenSSL's digest for a PRF.
const EVP_MD* digest_of(Prf prf) {
    return prf == Prf::sha1 ? EVP_sha1() : prf == Prf::sha256 ? EVP_sha256() : EVP_sha512();
}

// A big-endian 32-bit number at `at` (ASP.NET's header fields).
unsigned long long be32(std::string_view bytes, std::size_t at) {
    unsigned long long v = 0;
    for (std::size_t i = 0; i < 4; i++) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
}

// Whether a parsed PBKDF2 hash has sane sizes: a salt, and a key of 16 to 64 bytes.
bool sane(const Pbkdf2Hash& h) {
    return !h.salt.empty() && h.salt.size() <= kMaxSaltBytes && h.key.size() >= kMinKeyBytes &&
           h.key.size() <= kMaxKeyBytes && h.iterations > 0;
}

}  // namespace

std::optional<Pbkdf2Hash> parse_django_pbkdf2(std::string_view stored) noexcept {
    try {
        const auto f = fields(stored);
        if (f.size() != 4) return std::nullopt;
        Prf prf;
        if (f[0] == "pbkdf2_sha256") prf = Prf::sha256;
        else if (f[0] == "pbkdf2_sha1") prf = Prf::sha1;
        else return std::nullopt;
        const auto iterations = positive_decimal(f[1]);
        const auto key = standard_base64(f[3]);
        if (!iterations || !key || key->size() != digest_bytes(prf)) return std::nullopt;
        Pbkdf2Hash h{prf, *iterations, std::string(f[2]), *key};
        if (!sane(h)) return std::nullopt;
        return h;
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<Pbkdf2Hash> parse_passlib_pbkdf2(std::string_view stored) noexcept {
    try {
        const auto f = fields(stored);
        if (f.size() != 5 || !f[0].empty()) return std::nullopt;
        Prf prf;
        if (f[1] == "pbkdf2") prf = Prf::sha1;
        else if (f[1] == "pbkdf2-sha256") prf = Prf::sha256;
        else if (f[1] == "pbkdf2-sha512") prf = Prf::sha512;
        else return std::nullopt;
        const auto iterations = positive_decimal(f[2]);
        const auto salt = adapted_base64(f[3]);
        const auto key = adapted_base64(f[4]);
        if (!iterations || !salt || !key) return std::nullopt;
        // passlib writes a key of the digest's size; Keycloak's keys are 512 bits whatever
        // the PRF (its derived key size), kept as they are when the importer converts them.
        if (key->size() != digest_bytes(prf) && key->size() != kMaxKeyBytes) return std::nullopt;
        Pbkdf2Hash h{prf, *iterations, *salt, *key};
        if (!sane(h)) return std::nullopt;
        return h;
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<Pbkdf2Hash> parse_aspnet_identity(std::string_view stored) noexcept {
    try {
        const auto bytes = standard_base64(stored);
        if (!bytes || bytes->empty()) return std::nullopt;
        const std::string& b = *bytes;
        if (b[0] == 0x00) {
            // v2: marker, 16-byte salt, 32-byte subkey; PBKDF2-HMAC-SHA1, 1000 iterations.
            if (b.size() != 49) return std::nullopt;
            return Pbkdf2Hash{Prf::sha1, 1000, b.substr(1, 16), b.substr(17, 32)};
        }
        if (b[0] != 0x01 || b.size() < 13) return std::nullopt;
        // v3: marker, PRF, iterations, salt length (big-endian 32-bit), salt, subkey.
        const unsigned long long prf_id = be32(b, 1), iterations = be32(b, 5), salt_length = be32(b, 9);
        if (prf_id > 2 || salt_length < 16 || salt_length > b.size() - 13) return std::nullopt;
        const Prf prf = prf_id == 0 ? Prf::sha1 : prf_id == 1 ? Prf::sha256 : Prf::sha512;
        Pbkdf2Hash h{prf, iterations, b.substr(13, salt_length), b.substr(13 + salt_length)};
        if (!sane(h)) return std::nullopt;
        return h;
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<FirebaseHash> parse_firebase_scrypt(std::string_view stored) noexcept {
    try {
        const auto f = fields(stored);
        if (f.size() != 7 || !f[0].empty() || f[1] != "firebase-scrypt") return std::nullopt;
        // "r=<rounds>,m=<mem_cost>"
        const std::string_view params = f[2];
        const std::size_t comma = params.find(',');
        if (params.substr(0, 2) != "r=" || comma == std::string_view::npos || params.substr(comma, 3) != ",m=")
            return std::nullopt;
        const auto rounds = positive_decimal(params.substr(2, comma - 2));
        const auto mem_cost = positive_decimal(params.substr(comma + 3));
        if (!rounds || !mem_cost || *rounds > 255 || *mem_cost > 63) return std::nullopt;
        const auto signer = standard_base64(f[3]);
        const auto separator = standard_base64(f[4]);
        const auto salt = standard_base64(f[5]);
        const auto hash = standard_base64(f[6]);
        if (!signer || !separator || !salt || !hash || signer->empty() || salt->empty() ||
            signer->size() > kMaxFirebaseKeyBytes || salt->size() > kMaxSaltBytes ||
            separator->size() > kMaxSaltBytes || hash->size() != signer->size())
            return std::nullopt;
        return FirebaseHash{static_cast<unsigned>(*rounds), static_cast<unsigned>(*mem_cost), *signer, *separator,
                            *salt, *hash};
    } catch (...) {
        return std::nullopt;
    }
}

double pbkdf2_cost_ms(const Pbkdf2Hash& hash) noexcept {
    const double per = hash.prf == Prf::sha1 ? kPbkdf2Sha1Ns : hash.prf == Prf::sha256 ? kPbkdf2Sha256Ns
                                                                                          : kPbkdf2Sha512Ns;
    const std::size_t blocks = (hash.key.size() + digest_bytes(hash.prf) - 1) / digest_bytes(hash.prf);
    return static_cast<double>(hash.iterations) * static_cast<double>(blocks) * per / 1e6;
}

unsigned long long firebase_memory(const FirebaseHash& hash) noexcept {
    if (hash.mem_cost > 40) return ~0ull;  // far beyond any bound; and no overflow below
    return (128ull * hash.rounds) << hash.mem_cost;
}

double firebase_cost_ms(const FirebaseHash& hash) noexcept {
    const double memory = 128.0 * hash.rounds * static_cast<double>(1ull << std::min(hash.mem_cost, 62u));
    return memory / (1024.0 * 1024.0) * kFirebaseMsPerMib;
}

bool pbkdf2_matches(std::string_view password, const Pbkdf2Hash& hash) {
    if (hash.iterations > static_cast<unsigned long long>(INT_MAX) || hash.key.size() > kMaxKeyBytes) return false;
    unsigned char derived[kMaxKeyBytes];
    const ScopedWipe wipe_derived(derived, sizeof derived);
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(hash.salt.data()), static_cast<int>(hash.salt.size()),
                          static_cast<int>(hash.iterations), digest_of(hash.prf), static_cast<int>(hash.key.size()),
                          derived) != 1)
        throw Error(ErrorKind::internal, "PBKDF2 failed");
    return sodium_memcmp(derived, hash.key.data(), hash.key.size()) == 0;
}

bool firebase_matches(std::string_view password, const FirebaseHash& hash) {
    if (hash.mem_cost > 40 || hash.signer_key.size() > kMaxFirebaseKeyBytes) return false;
    // scrypt(password, salt || separator, N = 2^mem_cost, r = rounds, p = 1), 32 bytes: the AES key.
    std::string salt = hash.salt + hash.salt_separator;
    unsigned char key[32];
    const ScopedWipe wipe_key(key, sizeof key);
    if (crypto_pwhash_scryptsalsa208sha256_ll(reinterpret_cast<const uint8_t*>(password.data()), password.size(),
                                              reinterpret_cast<const uint8_t*>(salt.data()), salt.size(),
                                              1ull << hash.mem_cost, hash.rounds, 1, key, sizeof key) != 0)
        return false;
    // AES-256-CTR under that key, zero IV, over the signer key: the stored hash.
    unsigned char out[kMaxFirebaseKeyBytes];
    const ScopedWipe wipe_out(out, sizeof out);
    static const unsigned char kZeroIv[16] = {};
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr) throw Error(ErrorKind::internal, "AES context allocation failed");
    int length = 0, tail = 0;
    const bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, key, kZeroIv) == 1 &&
                    EVP_EncryptUpdate(ctx, out, &length, reinterpret_cast<const unsigned char*>(hash.signer_key.data()),
                                      static_cast<int>(hash.signer_key.size())) == 1 &&
                    EVP_EncryptFinal_ex(ctx, out + length, &tail) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok || static_cast<std::size_t>(length + tail) != hash.hash.size())
        throw Error(ErrorKind::internal, "AES-256-CTR failed");
    return sodium_memcmp(out, hash.hash.data(), hash.hash.size()) == 0;
}

Secret sha256_hex(std::string_view password) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    const ScopedWipe wipe_digest(digest, sizeof digest);
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(password.data()), password.size());
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    const ScopedWipe wipe_hex(hex, sizeof hex);
    return Secret(std::string_view(hex, 2 * crypto_hash_sha256_BYTES));
}

}  // namespace auth::core
