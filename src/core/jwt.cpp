#include "core/jwt.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/pure_core_guard.h"

namespace auth::core::jwt {
namespace {

using nlohmann::json;

constexpr std::int64_t kClockSkewSeconds = 60;
constexpr std::size_t kMinHmacKeyBytes = 32;

// URL-safe base64 without padding, as JOSE writes every part.
std::string base64url(std::string_view bytes) {
    std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    text.resize(text.size() - 1);  // the terminating NUL
    return text;
}

// The bytes of a base64url part, only when that part is exactly how base64url writes
// them: no padding, no foreign byte, no stray bits in the last character (so no two
// spellings of one signature both verify).
std::optional<std::string> decode_base64url(std::string_view text) {
    for (const char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) return std::nullopt;
    }
    std::string bytes(text.size() * 3 / 4 + 1, '\0');
    std::size_t size = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                          text.size(), nullptr, &size, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text.data() + text.size())
        return std::nullopt;
    bytes.resize(size);
    if (base64url(bytes) != text) return std::nullopt;
    return bytes;
}

// The three parts of a compact JWS, split at its two dots.
struct Parts {
    std::string_view header, payload, signature;
    std::string_view signing_input;  // header.payload, what the signature covers
};

// The token cut into its parts, or nullopt when it is too long or not three parts:
// every reader of a token starts here, so none parses a malformed one further.
std::optional<Parts> split(std::string_view token) {
    if (token.size() > kMaxTokenChars) return std::nullopt;
    const std::size_t first = token.find('.');
    if (first == std::string_view::npos) return std::nullopt;
    const std::size_t second = token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
        return std::nullopt;
    return Parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                 token.substr(second + 1), token.substr(0, second)};
}

// A base64url part holding a JSON object, or nullopt.
std::optional<json> json_object_part(std::string_view part) {
    const auto text = decode_base64url(part);
    if (!text) return std::nullopt;
    json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!value.is_object()) return std::nullopt;
    return value;
}

// Whether a JSON value holds a NUL character in any string, key or value, at any depth:
// valid JSON (\u0000), but nothing PostgreSQL's jsonb or text can hold.
bool holds_nul(const json& value) {
    if (value.is_string()) return value.get_ref<const std::string&>().find('\0') != std::string::npos;
    if (value.is_object()) {
        for (const auto& [key, member] : value.items())
            if (key.find('\0') != std::string::npos || holds_nul(member)) return true;
        return false;
    }
    if (value.is_array()) {
        for (const json& element : value)
            if (holds_nul(element)) return true;
    }
    return false;
}

// HMAC-SHA-256 with a key of any length (RFC 7518 asks for at least 32 bytes).
void hmac_sha256(unsigned char* mac, std::string_view message, std::string_view key) {
    crypto_auth_hmacsha256_state state;
    const ScopedWipe wipe_state(&state, sizeof state);
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
    crypto_auth_hmacsha256_final(&state, mac);
}

// The signature of signing_input with secret_key.
std::string signature_of(Algorithm algorithm, std::string_view signing_input, std::string_view secret_key) {
    const auto* message = reinterpret_cast<const unsigned char*>(signing_input.data());
    if (algorithm == Algorithm::eddsa) {
        if (secret_key.size() != crypto_sign_SECRETKEYBYTES)
            throw Error(ErrorKind::internal, "an EdDSA signing key must be 64 bytes");
        std::string signature(crypto_sign_BYTES, '\0');
        crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr, message,
                             signing_input.size(), reinterpret_cast<const unsigned char*>(secret_key.data()));
        return signature;
    }
    if (secret_key.size() < kMinHmacKeyBytes) throw Error(ErrorKind::internal, "an HS256 key must be at least 32 bytes");
    std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
    hmac_sha256(reinterpret_cast<unsigned char*>(mac.data()), signing_input, secret_key);
    return mac;
}

// True when signature is right for signing_input: Ed25519 verification, or an HMAC
// compared in constant time.
bool signature_matches(Algorithm algorithm, std::string_view signing_input, std::string_view signature,
                       std::string_view key) {
    const auto* message = reinterpret_cast<const unsigned char*>(signing_input.data());
    const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
    if (algorithm == Algorithm::eddsa) {
        if (key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
        return crypto_sign_verify_detached(sig, message, signing_input.size(),
                                           reinterpret_cast<const unsigned char*>(key.data())) == 0;
    }
    if (key.size() < kMinHmacKeyBytes || signature.size() != crypto_auth_hmacsha256_BYTES) return false;
    unsigned char expected[crypto_auth_hmacsha256_BYTES];
    hmac_sha256(expected, signing_input, key);
    return crypto_verify_32(expected, sig) == 0;
}

// An optional time claim: absent, or an integer no later than now plus the clock skew.
bool time_claim_not_in_future(const json& claims, const char* name, std::int64_t now) {
    const auto found = claims.find(name);
    if (found == claims.end()) return true;
    return found->is_number_integer() && found->get<std::int64_t>() <= now + kClockSkewSeconds;
}

}  // namespace

std::optional<Algorithm> algorithm_named(std::string_view name) {
    if (name == "EdDSA") return Algorithm::eddsa;
    if (name == "HS256") return Algorithm::hs256;
    return std::nullopt;
}

const char* algorithm_name(Algorithm algorithm) {
    return algorithm == Algorithm::eddsa ? "EdDSA" : "HS256";
}

Secret new_secret_key(Algorithm algorithm) {
    if (algorithm == Algorithm::eddsa) {
        unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
        unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
        const ScopedWipe wipe_secret(secret_key, sizeof secret_key);
        if (crypto_sign_keypair(public_key, secret_key) != 0)
            throw Error(ErrorKind::internal, "could not make an Ed25519 key pair");
        return Secret{std::string_view(reinterpret_cast<const char*>(secret_key), sizeof secret_key)};
    }
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
    const ScopedWipe wipe_key(key, sizeof key);
    crypto_auth_hmacsha256_keygen(key);
    return Secret{std::string_view(reinterpret_cast<const char*>(key), sizeof key)};
}

std::string eddsa_public_key(std::string_view secret_key) {
    if (secret_key.size() != crypto_sign_SECRETKEYBYTES)
        throw Error(ErrorKind::invalid_value, "an EdDSA secret key must be 64 bytes");
    std::string public_key(crypto_sign_PUBLICKEYBYTES, '\0');
    crypto_sign_ed25519_sk_to_pk(reinterpret_cast<unsigned char*>(public_key.data()),
                                 reinterpret_cast<const unsigned char*>(secret_key.data()));
    return public_key;
}

std::string sign(Algorithm algorithm, std::string_view kid, std::string_view claims_json,
                 std::string_view secret_key) {
    const json claims = json::parse(claims_json, nullptr, /*allow_exceptions=*/false);
    if (!claims.is_object()) throw Error(ErrorKind::invalid_value, "claims must be a JSON object");
    const json header = {{"alg", algorithm_name(algorithm)}, {"kid", std::string(kid)}, {"typ", "JWT"}};
    std::string token = base64url(header.dump()) + '.' + base64url(claims.dump());
    const std::string signature = signature_of(algorithm, token, secret_key);
    token += '.';
    token += base64url(signature);
    return token;
}

std::optional<std::string> key_id(std::string_view token) {
    try {
        const auto parts = split(token);
        if (!parts) return std::nullopt;
        const auto header = json_object_part(parts->header);
        if (!header) return std::nullopt;
        const auto kid = header->find("kid");
        if (kid == header->end() || !kid->is_string()) return std::nullopt;
        return kid->get<std::string>();
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<std::string> verified_claims(std::string_view token, Algorithm algorithm,
                                           std::string_view key, std::int64_t now) {
    try {
        const auto parts = split(token);
        if (!parts) return std::nullopt;
        const auto header = json_object_part(parts->header);
        if (!header) return std::nullopt;
        // The algorithm is the key's, never the token's choice: "none", or HS256 on an
        // EdDSA key (its public key used as an HMAC secret), is refused here.
        const auto alg = header->find("alg");
        if (alg == header->end() || !alg->is_string() || *alg != algorithm_name(algorithm)) return std::nullopt;
        // Extensions this verifier would have to understand ("crit"), it does not.
        if (header->contains("crit")) return std::nullopt;
        const auto typ = header->find("typ");
        if (typ != header->end() && *typ != "JWT") return std::nullopt;

        const auto signature = decode_base64url(parts->signature);
        if (!signature || !signature_matches(algorithm, parts->signing_input, *signature, key))
            return std::nullopt;

        const auto claims = json_object_part(parts->payload);
        if (!claims || holds_nul(*claims)) return std::nullopt;
        const auto exp = claims->find("exp");
        if (exp == claims->end() || !exp->is_number_integer() || exp->get<std::int64_t>() <= now)
            return std::nullopt;
        if (!time_claim_not_in_future(*claims, "iat", now) || !time_claim_not_in_future(*claims, "nbf", now))
            return std::nullopt;
        return claims->dump();
    } catch (...) {
        return std::nullopt;
    }
}

std::string public_jwk(std::string_view kid, std::string_view public_key) {
    if (public_key.size() != crypto_sign_PUBLICKEYBYTES)
        throw Error(ErrorKind::invalid_value, "an Ed25519 public key must be 32 bytes");
    const json jwk = {{"kty", "OKP"}, {"crv", "Ed25519"},  {"x", base64url(public_key)},
                      {"kid", std::string(kid)}, {"alg", "EdDSA"}, {"use", "sig"}};
    return jwk.dump();
}

}  // namespace auth::core::jwt
