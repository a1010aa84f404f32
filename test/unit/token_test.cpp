// Opaque tokens: their form, their randomness and their digest, without PostgreSQL.
#include "core/token.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cctype>
#include <cstring>
#include <set>
#include <string>

#include "core/password_hash.h"

using namespace auth::core;

namespace {

class Token : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
};

bool url_safe(std::string_view s) {
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    return true;
}

}  // namespace

TEST_F(Token, Is43UrlSafeCharactersCarrying256Bits) {
    const Secret token = new_token();
    EXPECT_EQ(token.view().size(), kTokenChars);
    EXPECT_TRUE(url_safe(token.view())) << token.view();
    unsigned char bytes[64];
    std::size_t len = 0;
    ASSERT_EQ(sodium_base642bin(bytes, sizeof bytes, token.view().data(), token.view().size(),
                                nullptr, &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
              0);
    EXPECT_EQ(len, 32u);
}

TEST_F(Token, NeverRepeats) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; i++) seen.insert(std::string(new_token().view()));
    EXPECT_EQ(seen.size(), 1000u);
}

TEST_F(Token, DigestIsSha256OfTheTokenText) {
    const Secret token = new_token();
    const auto digest = token_digest(token.view());
    ASSERT_TRUE(digest.has_value());
    unsigned char expected[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(expected, reinterpret_cast<const unsigned char*>(token.view().data()),
                       token.view().size());
    EXPECT_EQ(0, std::memcmp(digest->data(), expected, sizeof expected));
}

TEST_F(Token, NoDigestForWhatCannotBeAToken) {
    const std::string good(new_token().view());
    EXPECT_FALSE(token_digest("").has_value());
    EXPECT_FALSE(token_digest(good.substr(0, 42)).has_value());
    EXPECT_FALSE(token_digest(good + "A").has_value());
    EXPECT_FALSE(token_digest(std::string(10000, 'A')).has_value());
    std::string plus = good;
    plus[5] = '+';  // standard base64, not URL-safe
    EXPECT_FALSE(token_digest(plus).has_value());
    std::string binary = good;
    binary[0] = '\xff';
    EXPECT_FALSE(token_digest(binary).has_value());
}

TEST_F(Token, RefusesNonCanonicalLastCharacter) {
    // 43 characters carry 258 bits; the last 2 must be zero in a token we made.
    std::string good(new_token().view());
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::size_t value = alphabet.find(good.back());
    ASSERT_EQ(value % 4, 0u);
    good.back() = alphabet[value + 1];
    EXPECT_FALSE(token_digest(good).has_value());
}

TEST_F(Token, OneChangedCharacterGivesAnotherDigest) {
    const std::string good(new_token().view());
    std::string changed = good;
    changed[10] = changed[10] == 'A' ? 'B' : 'A';
    ASSERT_TRUE(token_digest(changed).has_value());
    EXPECT_NE(*token_digest(good), *token_digest(changed));
}

TEST(Secret, WipeZeroesTheBuffer) {
    char buffer[16] = "sensitive-bytes";
    wipe(buffer, sizeof buffer);
    for (char c : buffer) EXPECT_EQ(c, '\0');
}
