#include "core/sealed.h"

#include <sodium.h>

#include <cstring>

#include "core/error.h"
#include "core/secret.h"
#include "core/pure_core_guard.h"

namespace auth::core::sealed {
namespace {

constexpr unsigned char kVersion = 1;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kOverheadBytes == kHeaderBytes + kNonceBytes + kTagBytes);

// The associated data: the header and the context, so both are authenticated.
std::string associated_data(std::string_view header, std::string_view context) {
    std::string ad(header);
    ad.append(context);
    return ad;
}

// Lower-case hex of bytes.
std::string hex(const unsigned char* bytes, std::size_t size) {
    std::string text(size * 2 + 1, '\0');
    sodium_bin2hex(text.data(), text.size(), bytes, size);
    text.pop_back();
    return text;
}

// Parses exactly `size` bytes of hex into out; false for anything else.
bool from_hex(std::string_view text, unsigned char* out, std::size_t size) {
    if (text.size() != size * 2) return false;
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    std::size_t written = 0;
    return sodium_hex2bin(out, size, text.data(), text.size(), nullptr, &written, nullptr) == 0 && written == size;
}

}  // namespace

KeyRing::~KeyRing() {
    for (auto& key : keys_) wipe(key.bytes.data(), key.bytes.size());
}

void KeyRing::add(std::string_view key_bytes) {
    if (key_bytes.size() != kKeyBytes) throw Error(ErrorKind::invalid_value, "a server key must be 32 bytes");
    keys_.push_back(ServerKey{key_id(key_bytes), std::string(key_bytes)});
}

const ServerKey* KeyRing::find(std::uint32_t id) const noexcept {
    for (const auto& key : keys_)
        if (key.id == id) return &key;
    return nullptr;
}

std::uint32_t key_id(std::string_view key_bytes) {
    // BLAKE2b keyed by nothing, over a fixed label and the key: a fingerprint.
    static const char kLabel[] = "auth server key id v1";
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, sizeof digest);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(kLabel), sizeof kLabel);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(key_bytes.data()), key_bytes.size());
    crypto_generichash_final(&state, digest, sizeof digest);
    wipe(&state, sizeof state);
    return (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) | (std::uint32_t{digest[2]} << 8) |
           std::uint32_t{digest[3]};
}

std::string key_id_text(std::uint32_t id) {
    const unsigned char bytes[4] = {static_cast<unsigned char>(id >> 24), static_cast<unsigned char>(id >> 16),
                                    static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id)};
    return hex(bytes, sizeof bytes);
}

std::string new_key_line() {
    unsigned char key[kKeyBytes];
    const ScopedWipe wipe_key(key, sizeof key);
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    std::string key_hex = hex(key, sizeof key);
    std::string line = key_id_text(key_id({reinterpret_cast<const char*>(key), sizeof key})) + " " + key_hex + "\n";
    wipe(key_hex.data(), key_hex.size());
    return line;
}

std::string new_key_file() {
    return "# auth server key: seals signing keys and outbox tokens in this cluster's tables.\n"
           "# Keep it with the cluster and apart from its dumps; see docs/operations.md.\n"
           "# One key a line, \"<id> <key>\"; the last one seals, every one opens.\n" +
           new_key_line();
}

KeyRing parse_key_file(std::string_view text) {
    KeyRing ring;
    std::size_t line_number = 0;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        const std::size_t space = line.find(' ');
        unsigned char id_bytes[4];
        unsigned char key[kKeyBytes];
        const ScopedWipe wipe_key(key, sizeof key);
        if (space == std::string_view::npos || !from_hex(line.substr(0, space), id_bytes, sizeof id_bytes) ||
            !from_hex(line.substr(space + 1), key, sizeof key))
            throw Error(ErrorKind::invalid_value, "the server key file is malformed",
                        "Line " + std::to_string(line_number) + " is not \"<8 hex digits> <64 hex digits>\".");
        const std::string_view key_view(reinterpret_cast<const char*>(key), sizeof key);
        const std::uint32_t id = (std::uint32_t{id_bytes[0]} << 24) | (std::uint32_t{id_bytes[1]} << 16) |
                                 (std::uint32_t{id_bytes[2]} << 8) | std::uint32_t{id_bytes[3]};
        if (id != key_id(key_view))
            throw Error(ErrorKind::invalid_value, "the server key file is malformed",
                        "Line " + std::to_string(line_number) + ": the id does not match the key.");
        ring.add(key_view);
    }
    if (ring.empty()) throw Error(ErrorKind::invalid_value, "the server key file holds no key");
    return ring;
}

std::string seal(const KeyRing& ring, std::string_view plaintext, std::string_view context) {
    if (ring.empty()) throw Error(ErrorKind::invalid_value, "no server key to seal with");
    if (plaintext.size() > kMaxPlaintextBytes) throw Error(ErrorKind::invalid_value, "a sealed value is at most 1 MiB");
    const ServerKey& key = ring.current();
    std::string sealed(kOverheadBytes + plaintext.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(sealed.data());
    out[0] = kVersion;
    out[1] = static_cast<unsigned char>(key.id >> 24);
    out[2] = static_cast<unsigned char>(key.id >> 16);
    out[3] = static_cast<unsigned char>(key.id >> 8);
    out[4] = static_cast<unsigned char>(key.id);
    unsigned char* nonce = out + kHeaderBytes;
    randombytes_buf(nonce, kNonceBytes);
    const std::string ad = associated_data(std::string_view(sealed.data(), kHeaderBytes), context);
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(
            nonce + kNonceBytes, &written, reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
            reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce,
            reinterpret_cast<const unsigned char*>(key.bytes.data())) != 0 ||
        written != plaintext.size() + kTagBytes)
        throw Error(ErrorKind::internal, "sealing failed");
    return sealed;
}

std::uint32_t key_id_of(std::string_view sealed) noexcept {
    const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
    return (std::uint32_t{in[1]} << 24) | (std::uint32_t{in[2]} << 16) | (std::uint32_t{in[3]} << 8) |
           std::uint32_t{in[4]};
}

Opened unseal(const KeyRing& ring, std::string_view sealed, std::string_view context, std::string& out) {
    out.clear();
    if (sealed.size() < kOverheadBytes || static_cast<unsigned char>(sealed[0]) != kVersion) return Opened::malformed;
    const ServerKey* key = ring.find(key_id_of(sealed));
    if (!key) return Opened::unknown_key;
    const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
    const unsigned char* nonce = in + kHeaderBytes;
    const unsigned char* ciphertext = nonce + kNonceBytes;
    const std::size_t ciphertext_size = sealed.size() - kHeaderBytes - kNonceBytes;
    const std::string ad = associated_data(sealed.substr(0, kHeaderBytes), context);
    out.resize(ciphertext_size - kTagBytes);
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &written, nullptr,
                                                   ciphertext, ciphertext_size,
                                                   reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
                                                   nonce, reinterpret_cast<const unsigned char*>(key->bytes.data())) != 0) {
        wipe(out.data(), out.size());
        out.clear();
        return Opened::refused;
    }
    return Opened::ok;
}

}  // namespace auth::core::sealed
