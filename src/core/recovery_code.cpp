#include "core/recovery_code.h"

#include <sodium.h>

#include <cstring>

namespace auth::core {
namespace {

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";  // RFC 4648 base32, lower case

}  // namespace

Secret new_recovery_code() {
    unsigned char bytes[kRecoveryCodeBytes];
    const ScopedWipe wipe_bytes(bytes, sizeof bytes);
    randombytes_buf(bytes, sizeof bytes);
    // 15 bytes are exactly 24 groups of 5 bits.
    char code[kRecoveryCodeChars + kRecoveryCodeChars / 4];
    const ScopedWipe wipe_code(code, sizeof code);
    std::size_t out = 0;
    unsigned buffer = 0;
    int bits = 0;
    std::size_t written = 0;
    for (const unsigned char byte : bytes) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            if (written > 0 && written % 4 == 0) code[out++] = '-';
            code[out++] = kAlphabet[(buffer >> bits) & 0x1F];
            written++;
        }
    }
    return Secret(std::string_view(code, out));
}

std::optional<TokenDigest> recovery_code_digest(std::string_view code) {
    if (code.size() > 2 * kRecoveryCodeChars + 16) return std::nullopt;
    char canonical[kRecoveryCodeChars];
    const ScopedWipe wipe_canonical(canonical, sizeof canonical);
    std::size_t length = 0;
    for (char c : code) {
        if (c == '-' || c == ' ') continue;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (std::strchr(kAlphabet, c) == nullptr || c == '\0' || length == kRecoveryCodeChars) return std::nullopt;
        canonical[length++] = c;
    }
    if (length != kRecoveryCodeChars) return std::nullopt;
    TokenDigest digest;
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(canonical), sizeof canonical);
    return digest;
}

}  // namespace auth::core
