// The login check: NFKC for our hashes, as-typed then NFKC for imported ones, decoy
// work for missing ones, and when a stored hash is replaced.
#include "core/password_check.h"

#include <gtest/gtest.h>

#include <chrono>

#include <string>

#include "core/error.h"
#include "core/input_rules.h"
#include "core/password_text.h"

using namespace auth::core;

namespace {

const HashCost kTestCost{1, 8 * 1024 * 1024};

// "é" typed composed (NFC, U+00E9) and decomposed (NFD, e + U+0301).
const std::string kComposed = "caf\xC3\xA9-au-lait";
const std::string kDecomposed = "cafe\xCC\x81-au-lait";

class PasswordCheck : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
};

}  // namespace

TEST_F(PasswordCheck, NormalisesToNfkc) {
    EXPECT_EQ(normalized_password(kDecomposed, "password").view(), kComposed);
    // Full-width digits and the "ﬁ" ligature become their plain forms under NFKC.
    EXPECT_EQ(normalized_password("\xEF\xBC\x91\xEF\xBC\x92\xEF\xAC\x81", "password").view(), "12fi");
    EXPECT_EQ(normalized_password("", "password").view(), "");
    EXPECT_THROW(normalized_password("\xC3", "password"), Error);
}

TEST_F(PasswordCheck, LengthIsCountedAfterNormalisation) {
    const PasswordLengthLimits limits{8, 12};
    EXPECT_NO_THROW(check_password_length(normalized_password(kDecomposed, "p").view(), limits, "p"));
    // Twelve decomposed accents are 24 code points as typed, 12 characters after NFKC.
    const std::string twelve_decomposed = [] {
        std::string s;
        for (int i = 0; i < 12; i++) s += "e\xCC\x81";
        return s;
    }();
    EXPECT_THROW(check_password_length(twelve_decomposed, limits, "p"), Error);
    EXPECT_NO_THROW(check_password_length(normalized_password(twelve_decomposed, "p").view(), limits, "p"));
}

TEST_F(PasswordCheck, OurHashesMatchEitherTypingOfAnAccent) {
    const std::string hash = hash_password(normalized_password(kDecomposed, "p").view(), kTestCost);
    EXPECT_TRUE(check_password(kComposed, StoredPassword{hash, false}, kTestCost));
    EXPECT_TRUE(check_password(kDecomposed, StoredPassword{hash, false}, kTestCost));
    EXPECT_FALSE(check_password("cafe-au-lait", StoredPassword{hash, false}, kTestCost));
}

TEST_F(PasswordCheck, ImportedHashesAreCheckedAsTypedThenNormalised) {
    // Another system hashed the decomposed bytes as they were typed (no normalisation).
    const std::string typed_hash = hash_password(kDecomposed, kTestCost);
    EXPECT_TRUE(check_password(kDecomposed, StoredPassword{typed_hash, true}, kTestCost));
    // Our own treatment of that string would refuse it: only NFKC is tried.
    EXPECT_FALSE(check_password(kDecomposed, StoredPassword{typed_hash, false}, kTestCost));
    // Another system hashed the composed form: the decomposed typing matches through NFKC.
    const std::string composed_hash = hash_password(kComposed, kTestCost);
    EXPECT_TRUE(check_password(kDecomposed, StoredPassword{composed_hash, true}, kTestCost));
    EXPECT_FALSE(check_password("wrong", StoredPassword{composed_hash, true}, kTestCost));
}

TEST_F(PasswordCheck, APasswordTooLongForAnImportedHashIsRefusedAfterDecoyWork) {
    // sha512-crypt at passlib's 656,000 rounds: a 64-byte password is checked (about
    // 0.3 s here), while the right 400-byte password would cost about 1.3 s and is
    // refused, in the time of the decoy Argon2id instead.
    const std::string short_password(64, 'b');
    const std::string long_password(400, 'a');
    const char* short_hash =
        "$6$rounds=656000$boundedworksalt2$OvThGJF1Weo4fp2KwIa.rtfZfYmOSlobNZ6csMO.bhpgmDzeTK.HCNdhTkaTB6krMxRhaxkUN7ne3zYgqoWTx1";
    const char* long_hash =
        "$6$rounds=656000$boundedworksalt1$pw5HgqfI9u3pMu4jDRoq8fsb2fhE.px7p/CmAOabRxhI9HzAsWlUel9VKDNeQFmJ3JXYQhsTU88TOZyWxNhb1/";
    EXPECT_TRUE(check_password(short_password, StoredPassword{short_hash, true}, kTestCost));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(check_password(long_password, StoredPassword{long_hash, true}, kTestCost));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(took.count(), 0.5) << "the long password was hashed against the hash's rounds";
}

TEST_F(PasswordCheck, MissingOrUnreadableHashesNeverMatch) {
    EXPECT_FALSE(check_password("anything", std::nullopt, kTestCost));
    EXPECT_FALSE(check_password("anything", StoredPassword{"not a hash", false}, kTestCost));
    EXPECT_FALSE(check_password("anything", StoredPassword{"not a hash", true}, kTestCost));
    EXPECT_FALSE(check_password("\xC3", StoredPassword{hash_password("x", kTestCost), false}, kTestCost));
}

TEST_F(PasswordCheck, RehashesImportedAndOutdatedHashesOnly) {
    const std::string current = hash_password("pw", kTestCost);
    EXPECT_FALSE(needs_rehash(current, false, kTestCost));
    EXPECT_TRUE(needs_rehash(current, true, kTestCost));
    EXPECT_TRUE(needs_rehash(current, false, HashCost{2, kTestCost.memlimit}));
    EXPECT_TRUE(needs_rehash(current, false, HashCost{1, 16 * 1024 * 1024}));
    EXPECT_TRUE(needs_rehash("$2b$05$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y", false, kTestCost));
}
