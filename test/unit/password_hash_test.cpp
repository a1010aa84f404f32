// Argon2id hashing and verification through libsodium, without PostgreSQL.
#include "core/password_hash.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <string>

using namespace auth::core;

namespace {

// A cheap cost, so the tests stay fast; the format is the same at every cost.
const HashCost kTestCost{1, 8 * 1024 * 1024};

class PasswordHash : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
};

}  // namespace

TEST_F(PasswordHash, DefaultCostIsLibsodiumInteractive) {
    EXPECT_EQ(interactive_cost().opslimit, 2u);
    EXPECT_EQ(interactive_cost().memlimit, 64u * 1024 * 1024);
}

TEST_F(PasswordHash, MakesAStandardArgon2idPhcString) {
    const std::string hash = hash_password("correct horse battery staple", kTestCost);
    EXPECT_EQ(hash.rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0), 0u) << hash;
    EXPECT_TRUE(is_argon2id_hash(hash));
}

TEST_F(PasswordHash, SaltsEveryHash) {
    EXPECT_NE(hash_password("same password", kTestCost), hash_password("same password", kTestCost));
}

TEST_F(PasswordHash, VerifiesTheRightPasswordOnly) {
    const std::string hash = hash_password("correct horse battery staple", kTestCost);
    EXPECT_TRUE(verify_password("correct horse battery staple", hash, kTestCost));
    EXPECT_FALSE(verify_password("correct horse battery stapl", hash, kTestCost));
    EXPECT_FALSE(verify_password("", hash, kTestCost));
}

TEST_F(PasswordHash, PasswordsMayContainNulBytes) {
    const std::string with_nul("ab\0cd", 5);
    const std::string hash = hash_password(with_nul, kTestCost);
    EXPECT_TRUE(verify_password(with_nul, hash, kTestCost));
    EXPECT_FALSE(verify_password("ab", hash, kTestCost));
}

TEST_F(PasswordHash, VerifiesHashesMadeAtAnotherCost) {
    const std::string hash = hash_password("password at another cost", {2, 16 * 1024 * 1024});
    EXPECT_TRUE(verify_password("password at another cost", hash, kTestCost));
}

TEST_F(PasswordHash, UnusableStoredHashesAnswerFalse) {
    EXPECT_FALSE(verify_password("anything", std::nullopt, kTestCost));
    EXPECT_FALSE(verify_password("anything", std::string_view(""), kTestCost));
    EXPECT_FALSE(verify_password("anything", std::string_view("$argon2id$v=19$garbage"), kTestCost));
    EXPECT_FALSE(verify_password("anything", std::string_view("$2b$10$abcdefghijklmnopqrstuv"), kTestCost));
    EXPECT_FALSE(is_argon2id_hash(std::string(200, 'x')));
}

TEST_F(PasswordHash, DecoyIsAValidHashAtTheGivenCostThatNothingMatches) {
    // needs_rehash answers 0 only for a well-formed string with exactly these parameters:
    // so verifying against the decoy runs Argon2id at that cost, never a quick parse error.
    for (const HashCost cost : {kTestCost, interactive_cost(), HashCost{3, 19 * 1024 * 1024}}) {
        const std::string decoy = decoy_hash(cost);
        EXPECT_TRUE(is_argon2id_hash(decoy)) << decoy;
        EXPECT_EQ(crypto_pwhash_str_needs_rehash(decoy.c_str(), cost.opslimit, cost.memlimit), 0)
            << decoy;
    }
    EXPECT_NE(decoy_hash(kTestCost), decoy_hash(kTestCost));
    EXPECT_FALSE(verify_password("", decoy_hash(kTestCost), kTestCost));
}

TEST_F(PasswordHash, NoUserCostsAsMuchAsAWrongPassword) {
    // Not a timing test: it shows the no-user path does real Argon2id work (many
    // milliseconds at this cost), not an early return that would reveal the email.
    const auto start = std::chrono::steady_clock::now();
    verify_password("guess", std::nullopt, kTestCost);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GT(elapsed, std::chrono::microseconds(500));
}
