#include "core/totp.h"

#include <liboath/oath.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "core/error.h"

namespace auth::core {
namespace {

// liboath needs oath_init once per process before use; it keeps no other state.
void ensure_oath() {
    static const bool ready = oath_init() == OATH_OK;
    if (!ready) throw std::runtime_error("liboath could not be initialised");
}

// What the comparison callback sees: the code given, and whether any step matched.
struct CompareState {
    const char* code;
};

// liboath's comparison callback: 0 when the generated code equals the one given,
// compared in constant time (sodium_memcmp), positive otherwise.
int compare_in_constant_time(void* handle, const char* generated) {
    const auto* state = static_cast<const CompareState*>(handle);
    if (std::strlen(generated) != kTotpDigits) return 1;
    return sodium_memcmp(generated, state->code, kTotpDigits) == 0 ? 0 : 1;
}

}  // namespace

Secret new_totp_secret() {
    unsigned char bytes[kTotpSecretBytes];
    const ScopedWipe wipe_bytes(bytes, sizeof bytes);
    randombytes_buf(bytes, sizeof bytes);
    return Secret(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

Secret totp_secret_base32(std::string_view raw_secret) {
    ensure_oath();
    // liboath's buffer, wiped and freed however the scope ends (after the result is built).
    struct OathBuffer {
        char* data = nullptr;
        size_t size = 0;
        ~OathBuffer() {
            if (data != nullptr) wipe(data, size);
            std::free(data);
        }
    } encoded;
    if (oath_base32_encode(raw_secret.data(), raw_secret.size(), &encoded.data, &encoded.size) != OATH_OK)
        throw std::runtime_error("base32 encoding failed");
    std::string_view view(encoded.data, encoded.size);
    while (!view.empty() && view.back() == '=') view.remove_suffix(1);
    return Secret(view);
}

std::string percent_encoded(std::string_view text) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0F];
        }
    }
    return out;
}

Secret totp_key_uri(std::string_view issuer, std::string_view account, std::string_view base32_secret) {
    const std::string issuer_part = percent_encoded(issuer);
    std::string uri = "otpauth://totp/" + issuer_part + ":" + percent_encoded(account) + "?secret=";
    uri.append(base32_secret);
    uri += "&issuer=" + issuer_part + "&algorithm=SHA1&digits=6&period=30";
    const ScopedWipe wipe_uri(uri.data(), uri.size());
    return Secret(uri);
}

bool is_totp_code(std::string_view code) {
    if (code.size() != kTotpDigits) return false;
    for (const char c : code)
        if (c < '0' || c > '9') return false;
    return true;
}

std::optional<std::uint64_t> totp_matching_step(std::string_view raw_secret, std::string_view code,
                                                std::int64_t unix_now, unsigned window) {
    ensure_oath();
    // A malformed code is checked as a code no step has, so the work is the same.
    char typed[kTotpDigits + 1] = "xxxxxx";
    const ScopedWipe wipe_typed(typed, sizeof typed);
    const bool well_formed = is_totp_code(code);
    if (well_formed) std::memcpy(typed, code.data(), kTotpDigits);
    CompareState state{typed};
    int position = 0;
    uint64_t counter = 0;
    // Every step of the window is generated and compared (liboath stops at a match; the
    // steps after it cost a few microseconds, the same for every code).
    const int rc = oath_totp_validate3_callback(raw_secret.data(), raw_secret.size(), static_cast<time_t>(unix_now),
                                                kTotpStepSeconds, 0, kTotpDigits, window, &position, &counter,
                                                compare_in_constant_time, &state);
    if (!well_formed || rc < 0) return std::nullopt;
    return counter;
}

}  // namespace auth::core
