// Secrets at rest: values sealed under the server key (libsodium's XChaCha20-Poly1305
// AEAD), each bound to its place by a context string, and the key file's text form.
// A sealed value is: version byte 1, the sealing key's id (4 bytes, big-endian), a
// 24-byte random nonce, then the ciphertext and its 16-byte tag. The associated data
// are the first five bytes and the context, so a value copied to another row, column
// or table does not open there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace auth::core::sealed {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kHeaderBytes = 5;      // version and key id
inline constexpr std::size_t kOverheadBytes = 45;   // header, nonce (24) and tag (16)
inline constexpr std::size_t kMaxPlaintextBytes = 1 << 20;

// One server key: its id (from the key itself, see key_id) and its 32 bytes.
struct ServerKey {
    std::uint32_t id;
    std::string bytes;
};

// The keys of a key file, oldest first; the last one seals, every one unseals. Wipes the
// key bytes when it dies.
class KeyRing {
public:
    KeyRing() = default;
    KeyRing(KeyRing&&) = default;
    KeyRing& operator=(KeyRing&&) = default;
    KeyRing(const KeyRing&) = delete;
    KeyRing& operator=(const KeyRing&) = delete;
    ~KeyRing();

    void add(std::string_view key_bytes);
    bool empty() const noexcept { return keys_.empty(); }
    const ServerKey& current() const { return keys_.back(); }
    // The key with this id, or nullptr.
    const ServerKey* find(std::uint32_t id) const noexcept;
    const std::vector<ServerKey>& keys() const noexcept { return keys_; }

private:
    std::vector<ServerKey> keys_;
};

// A key's id: the first four bytes of its BLAKE2b hash under a fixed personal string,
// so the id names the key without revealing it, and a key file made again (a new key)
// never reuses an id a sealed value names.
std::uint32_t key_id(std::string_view key_bytes);

// The id as eight lower-case hex digits, as the key file and the error messages show it.
std::string key_id_text(std::uint32_t id);

// One line of a key file for a new random key: "<id> <64 hex digits>\n".
std::string new_key_line();

// The key file's whole text for a new server: a comment saying what it is, then one
// new key's line.
std::string new_key_file();

// The keys of a key file's text: lines "<id> <key hex>", blank lines and lines starting
// with '#' ignored. Throws core::Error (invalid_value) when a line is malformed, when an
// id does not match its key, or when there is no key; the message never holds key bytes.
KeyRing parse_key_file(std::string_view text);

// seal's result: header, nonce and ciphertext. Throws core::Error (invalid_value) for
// an empty ring or a plaintext over kMaxPlaintextBytes.
std::string seal(const KeyRing& ring, std::string_view plaintext, std::string_view context);

// What unseal found.
enum class Opened {
    ok,           // plaintext written to out
    malformed,    // too short, or an unknown version: not a sealed value
    unknown_key,  // sealed under a key id the ring does not hold (key_id_of tells which)
    refused,      // the tag does not verify: another context, another key, or altered
};

// Opens a sealed value with the key its header names; out receives the plaintext only
// when the answer is ok (the caller wipes it). Never throws but for memory.
Opened unseal(const KeyRing& ring, std::string_view sealed, std::string_view context, std::string& out);

// The key id a sealed value names (call only when it is at least kHeaderBytes long).
std::uint32_t key_id_of(std::string_view sealed) noexcept;

}  // namespace auth::core::sealed
