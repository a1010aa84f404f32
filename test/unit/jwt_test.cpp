// JWTs: signing, verification and every way a token can be wrong, without PostgreSQL.
#include "core/jwt.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "core/password_hash.h"

using namespace auth::core;
using namespace auth::core::jwt;
using nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1800000000;

class Jwt : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
};

std::string claims_expiring_at(std::int64_t exp) {
    return json{{"sub", "42"}, {"iat", kNow}, {"exp", exp}, {"roles", {"admin"}}}.dump();
}

std::string base64url(const std::string& bytes) {
    char text[1024];
    sodium_bin2base64(text, sizeof text, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return text;
}

std::string bytes_of(const std::string& base64) {
    std::string bytes(base64.size(), '\0');
    std::size_t size = 0;
    sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), base64.data(), base64.size(),
                      nullptr, &size, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    bytes.resize(size);
    return bytes;
}

// A token with its header replaced (signature kept).
std::string with_header(const std::string& token, const json& header) {
    return base64url(header.dump()) + token.substr(token.find('.'));
}

}  // namespace

TEST_F(Jwt, AlgorithmNamesAreExact) {
    EXPECT_EQ(algorithm_named("EdDSA"), Algorithm::eddsa);
    EXPECT_EQ(algorithm_named("HS256"), Algorithm::hs256);
    EXPECT_FALSE(algorithm_named("none"));
    EXPECT_FALSE(algorithm_named("eddsa"));
    EXPECT_FALSE(algorithm_named("HS512"));
    EXPECT_FALSE(algorithm_named(""));
}

TEST_F(Jwt, EdDsaTokenVerifiesWithItsPublicKey) {
    const Secret secret = new_secret_key(Algorithm::eddsa);
    const std::string public_key = eddsa_public_key(secret.view());
    ASSERT_EQ(public_key.size(), 32u);
    const std::string token = sign(Algorithm::eddsa, "kid-1", claims_expiring_at(kNow + 900), secret.view());
    EXPECT_EQ(key_id(token), "kid-1");
    const auto claims = verified_claims(token, Algorithm::eddsa, public_key, kNow);
    ASSERT_TRUE(claims);
    const json parsed = json::parse(*claims);
    EXPECT_EQ(parsed["sub"], "42");
    EXPECT_EQ(parsed["exp"], kNow + 900);
    EXPECT_EQ(parsed["roles"], json({"admin"}));
    const json header = json::parse(bytes_of(token.substr(0, token.find('.'))));
    EXPECT_EQ(header, json({{"alg", "EdDSA"}, {"kid", "kid-1"}, {"typ", "JWT"}}));
}

TEST_F(Jwt, Hs256TokenVerifiesWithItsSecret) {
    const Secret secret = new_secret_key(Algorithm::hs256);
    EXPECT_EQ(secret.view().size(), 32u);
    const std::string token = sign(Algorithm::hs256, "kid-h", claims_expiring_at(kNow + 60), secret.view());
    EXPECT_TRUE(verified_claims(token, Algorithm::hs256, secret.view(), kNow));
    const Secret other = new_secret_key(Algorithm::hs256);
    EXPECT_FALSE(verified_claims(token, Algorithm::hs256, other.view(), kNow));
}

// RFC 7515, appendix A.1: an HS256 token made by someone else, with a 64-byte key.
TEST_F(Jwt, VerifiesTheRfc7515Hs256Example) {
    const std::string token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const std::string key =
        bytes_of("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
    ASSERT_EQ(key.size(), 64u);
    const auto claims = verified_claims(token, Algorithm::hs256, key, 1300819000);
    ASSERT_TRUE(claims);
    EXPECT_EQ(json::parse(*claims)["iss"], "joe");
    EXPECT_FALSE(verified_claims(token, Algorithm::hs256, key, 1300819380)) << "expired at exp";
    EXPECT_FALSE(key_id(token)) << "its header has no kid";
}

TEST_F(Jwt, EveryChangedCharacterIsRefused) {
    const Secret secret = new_secret_key(Algorithm::eddsa);
    const std::string public_key = eddsa_public_key(secret.view());
    const std::string token = sign(Algorithm::eddsa, "k", claims_expiring_at(kNow + 900), secret.view());
    for (std::size_t i = 0; i < token.size(); i++) {
        for (const char replacement : {'A', 'B', 'g', 'Q', '_'}) {
            if (token[i] == replacement) continue;
            std::string changed = token;
            changed[i] = replacement;
            EXPECT_FALSE(verified_claims(changed, Algorithm::eddsa, public_key, kNow))
                << "character " << i << " changed to " << replacement;
        }
    }
}

TEST_F(Jwt, MalformedTokensAreRefusedWithoutThrowing) {
    const Secret secret = new_secret_key(Algorithm::hs256);
    const std::string token = sign(Algorithm::hs256, "k", claims_expiring_at(kNow + 900), secret.view());
    const std::string bad[] = {
        "", ".", "..", "...", "a.b.c", token + ".", token + "=", "." + token, token.substr(0, token.size() - 1),
        std::string(100000, 'A'), token + std::string(70000, 'A'), "\xff\xfe.\x80.\x01",
        token.substr(0, token.rfind('.')),  // no signature part
        token.substr(0, token.rfind('.') + 1),  // an empty signature
    };
    for (const auto& t : bad) {
        EXPECT_FALSE(verified_claims(t, Algorithm::hs256, secret.view(), kNow)) << t.substr(0, 80);
        EXPECT_NO_THROW(key_id(t));
    }
}

TEST_F(Jwt, TheAlgorithmIsTheKeysNotTheTokens) {
    const Secret ed_secret = new_secret_key(Algorithm::eddsa);
    const std::string public_key = eddsa_public_key(ed_secret.view());
    const std::string ed_token = sign(Algorithm::eddsa, "k", claims_expiring_at(kNow + 900), ed_secret.view());

    // alg "none" with no signature, and with the original signature.
    const std::string unsigned_token =
        base64url(json({{"alg", "none"}, {"kid", "k"}}).dump()) + "." +
        ed_token.substr(ed_token.find('.') + 1, ed_token.rfind('.') - ed_token.find('.') - 1) + ".";
    EXPECT_FALSE(verified_claims(unsigned_token, Algorithm::eddsa, public_key, kNow));
    EXPECT_FALSE(verified_claims(with_header(ed_token, {{"alg", "none"}, {"kid", "k"}}), Algorithm::eddsa,
                                 public_key, kNow));

    // HS256 "signed" with the EdDSA public key as the HMAC secret: the classic confusion.
    std::string padded_key = public_key;  // 32 bytes, as an HS256 key would be
    const std::string forged = sign(Algorithm::hs256, "k", claims_expiring_at(kNow + 900), padded_key);
    EXPECT_FALSE(verified_claims(forged, Algorithm::eddsa, public_key, kNow));
    // and the other way: an EdDSA token offered for an HS256 key.
    const Secret hs_secret = new_secret_key(Algorithm::hs256);
    EXPECT_FALSE(verified_claims(ed_token, Algorithm::hs256, hs_secret.view(), kNow));
    // The same token with its header's alg changed in case.
    EXPECT_FALSE(verified_claims(with_header(ed_token, {{"alg", "eddsa"}, {"kid", "k"}}), Algorithm::eddsa,
                                 public_key, kNow));
}

TEST_F(Jwt, TimeClaimsAreChecked) {
    const Secret secret = new_secret_key(Algorithm::hs256);
    auto token_with = [&](const json& claims) { return sign(Algorithm::hs256, "k", claims.dump(), secret.view()); };
    auto ok = [&](const std::string& t) { return verified_claims(t, Algorithm::hs256, secret.view(), kNow).has_value(); };
    EXPECT_TRUE(ok(token_with({{"exp", kNow + 1}})));
    EXPECT_FALSE(ok(token_with({{"exp", kNow}}))) << "expires at exp";
    EXPECT_FALSE(ok(token_with({{"exp", kNow - 1}})));
    EXPECT_FALSE(ok(token_with({{"sub", "1"}}))) << "no exp";
    EXPECT_FALSE(ok(token_with({{"exp", std::to_string(kNow + 100)}}))) << "exp as a string";
    EXPECT_FALSE(ok(token_with({{"exp", kNow + 100.5}}))) << "exp not an integer";
    EXPECT_TRUE(ok(token_with({{"exp", kNow + 100}, {"iat", kNow + 60}})));
    EXPECT_FALSE(ok(token_with({{"exp", kNow + 100}, {"iat", kNow + 61}}))) << "issued in the future";
    EXPECT_FALSE(ok(token_with({{"exp", kNow + 100}, {"nbf", kNow + 3600}}))) << "not valid before";
    EXPECT_FALSE(ok(token_with({{"exp", kNow + 100}, {"iat", "yesterday"}})));
}

TEST_F(Jwt, ClaimsHoldingANulCharacterAreRefused) {
    const Secret secret = new_secret_key(Algorithm::hs256);
    auto token_with = [&](const json& claims) { return sign(Algorithm::hs256, "k", claims.dump(), secret.view()); };
    auto ok = [&](const std::string& t) { return verified_claims(t, Algorithm::hs256, secret.view(), kNow).has_value(); };
    EXPECT_TRUE(ok(token_with({{"exp", kNow + 100}, {"sub", "a b"}})));
    EXPECT_FALSE(ok(token_with({{"exp", kNow + 100}, {"sub", std::string("a\0b", 3)}}))) << "in a value";
    EXPECT_FALSE(ok(token_with({{"exp", kNow + 100}, {std::string("s\0", 2), "x"}}))) << "in a key";
    EXPECT_FALSE(ok(token_with({{"exp", kNow + 100}, {"roles", {"a", std::string("\0", 1)}}}))) << "in an array";
    EXPECT_FALSE(ok(token_with({{"exp", kNow + 100}, {"t", {{"u", std::string("\0", 1)}}}}))) << "nested";
}

TEST_F(Jwt, HeaderRulesAreChecked) {
    const Secret secret = new_secret_key(Algorithm::hs256);
    const std::string token = sign(Algorithm::hs256, "k", claims_expiring_at(kNow + 900), secret.view());
    // A header changed in any way breaks the signature; these are re-signed to show that
    // the rule itself refuses them.
    auto resigned = [&](const json& header) {
        const std::string input = base64url(header.dump()) + token.substr(token.find('.'), token.rfind('.') - token.find('.'));
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                               reinterpret_cast<const unsigned char*>(secret.view().data()));
        return input + "." + base64url(std::string(reinterpret_cast<char*>(mac), sizeof mac));
    };
    EXPECT_TRUE(verified_claims(resigned({{"alg", "HS256"}, {"kid", "k"}}), Algorithm::hs256, secret.view(), kNow));
    EXPECT_FALSE(verified_claims(resigned({{"alg", "HS256"}, {"crit", {"exp"}}}), Algorithm::hs256, secret.view(), kNow));
    EXPECT_FALSE(verified_claims(resigned({{"alg", "HS256"}, {"typ", "JOSE+JSON"}}), Algorithm::hs256, secret.view(), kNow));
    EXPECT_FALSE(verified_claims(resigned({{"alg", {"HS256"}}}), Algorithm::hs256, secret.view(), kNow));
    EXPECT_FALSE(verified_claims(with_header(token, json::array()), Algorithm::hs256, secret.view(), kNow));
}

TEST_F(Jwt, SignatureSpelledTwoWaysIsRefused) {
    // The last character of an Ed25519 signature carries 4 unused bits: a token whose
    // signature differs only there would decode to the same bytes under a lax decoder,
    // and must be refused.
    const Secret secret = new_secret_key(Algorithm::eddsa);
    const std::string public_key = eddsa_public_key(secret.view());
    const std::string token = sign(Algorithm::eddsa, "k", claims_expiring_at(kNow + 900), secret.view());
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::size_t last = alphabet.find(token.back());
    std::string twin = token;
    twin.back() = alphabet[last ^ 1];
    EXPECT_FALSE(verified_claims(twin, Algorithm::eddsa, public_key, kNow));
}

TEST_F(Jwt, SignRefusesClaimsThatAreNotAnObject) {
    const Secret secret = new_secret_key(Algorithm::hs256);
    EXPECT_THROW(sign(Algorithm::hs256, "k", "[1,2]", secret.view()), Error);
    EXPECT_THROW(sign(Algorithm::hs256, "k", "{not json", secret.view()), Error);
    EXPECT_THROW(sign(Algorithm::eddsa, "k", "{}", "short key"), Error);
}

TEST_F(Jwt, PublicJwkHasTheRfc8037Members) {
    const Secret secret = new_secret_key(Algorithm::eddsa);
    const std::string public_key = eddsa_public_key(secret.view());
    const json jwk = json::parse(public_jwk("kid-9", public_key));
    EXPECT_EQ(jwk["kty"], "OKP");
    EXPECT_EQ(jwk["crv"], "Ed25519");
    EXPECT_EQ(jwk["alg"], "EdDSA");
    EXPECT_EQ(jwk["use"], "sig");
    EXPECT_EQ(jwk["kid"], "kid-9");
    EXPECT_EQ(bytes_of(jwk["x"]), public_key);
    EXPECT_FALSE(jwk.contains("d")) << "the private part is never published";
    EXPECT_THROW(eddsa_public_key(std::string(32, 'k')), Error) << "an HS256-sized key is no Ed25519 key";
}
