// The quality rules of a new password: cracklib's dictionary verdicts, the owner's
// names (any case, beyond ASCII), no composition rules, and a missing dictionary.
#include "core/password_quality.h"

#include <gtest/gtest.h>

#include <string>

#include "core/breach_digest.h"
#include "core/error.h"

using namespace auth::core;

namespace {

const PasswordOwner kAlice{"alice.liddell@example.com", "Alice Liddell"};

// The message of the refusal, or "" when the password is accepted.
std::string refusal(const std::string& password, const PasswordOwner& owner = kAlice) {
    try {
        check_password_quality(password, owner, "new_password", default_dictionary_path());
        return "";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_value);
        EXPECT_EQ(std::string(e.what()).find(password, 12), std::string::npos) << "the password leaked";
        return e.what();
    }
}

std::string hex(const BreachDigest& digest) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : digest) out += {digits[b >> 4], digits[b & 15]};
    return out;
}

}  // namespace

TEST(PasswordQuality, DictionaryWordsAreRefused) {
    // Words of cracklib-small, the list cracklib-runtime always ships.
    EXPECT_EQ(refusal("password"), "new_password is too weak: it is based on a dictionary word");
    EXPECT_EQ(refusal("Sunshine1"), "new_password is too weak: it is based on a dictionary word");
    EXPECT_EQ(refusal("football"), "new_password is too weak: it is based on a dictionary word");
}

TEST(PasswordQuality, CracklibsOtherVerdictsStand) {
    EXPECT_EQ(refusal("abcdefgh"), "new_password is too weak: it is too simplistic/systematic");
    EXPECT_EQ(refusal("aaaaaaaaaaaa"), "new_password is too weak: it does not contain enough DIFFERENT characters");
}

TEST(PasswordQuality, NoCompositionRule) {
    // Lower case only, no digit, no symbol, long runs of one class: all fine.
    EXPECT_EQ(refusal("correct horse battery staple"), "");
    EXPECT_EQ(refusal("quizzical zebras vex jumpy wolves"), "");
    EXPECT_EQ(refusal("Xq7#mPz2vLw9"), "");
}

TEST(PasswordQuality, EmailLocalPartIsRefusedInAnyCase) {
    EXPECT_EQ(refusal("my ALICE.LIDDELL key"), "new_password contains the email's local part");
    const PasswordOwner bob{"bob.stone@example.com", ""};
    EXPECT_EQ(refusal("xx bob.stone 2024", bob), "new_password contains the email's local part");
    EXPECT_EQ(refusal("quizzical zebras vex", bob), "");
}

TEST(PasswordQuality, EmailLocalPartIsFoundWithoutItsTagAndSeparators) {
    const PasswordOwner tagged{"jonathanq5+shop@example.com", "Zed Quill"};
    EXPECT_EQ(refusal("xx-jonathanq5-77!", tagged), "new_password contains the email's local part");
    const PasswordOwner dotted{"jon.athanq@example.com", "Zed Quill"};
    EXPECT_EQ(refusal("xx-jonathanq-77!", dotted), "new_password contains the email's local part");
    EXPECT_EQ(refusal("quizzical zebras vex", dotted), "");
}

TEST(PasswordQuality, FullNameIsRefusedInAnyCase) {
    EXPECT_EQ(refusal("zebra alice liddell 77"), "new_password contains the full name");
    EXPECT_EQ(refusal("quiet LIDDELL zebra 77"), "new_password contains the full name");
    const PasswordOwner li{"x9@example.com", "Li Na"};
    EXPECT_EQ(refusal("zebra LiNa 2024 wolf", li), "new_password contains the full name");
    // Beyond ASCII: "Élodie" found as "ÉLODIE", composed or decomposed.
    const PasswordOwner elodie{"e@example.com", "\xC3\x89lodie Durand"};
    EXPECT_EQ(refusal("zebra \xC3\x89LODIE 2024 wolf", elodie), "new_password contains the full name");
}

TEST(PasswordQuality, NoLookupOfTheServersAccount) {
    // libpwquality's own dictcheck compares with the server's passwd entry (root or
    // postgres); here only the user's names count.
    EXPECT_EQ(refusal("postgres zebra wolf 9"), "");
}

TEST(PasswordQuality, MissingDictionaryIsAnError) {
    try {
        check_password_quality("Xq7#mPz2vLw9", kAlice, "new_password", "/nonexistent/dict");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::internal);
        EXPECT_NE(std::string(e.detail()).find("cracklib-runtime"), std::string::npos);
    }
}

TEST(BreachDigest, IsSha1) {
    // sha1sum of "password" and of "" (known values).
    EXPECT_EQ(hex(breach_digest("password")), "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8");
    EXPECT_EQ(hex(breach_digest("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
