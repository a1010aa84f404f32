// Recovery codes: 120 random bits in six groups of four base32 characters; the digest
// accepts the code however it is typed (case, hyphens, spaces) and nothing else.
#include "core/recovery_code.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace auth::core;

TEST(RecoveryCode, SixGroupsOfFourBase32Characters) {
    const Secret code = new_recovery_code();
    const std::string text(code.view());
    ASSERT_EQ(text.size(), 29u);
    for (std::size_t i = 0; i < text.size(); i++) {
        if (i % 5 == 4)
            EXPECT_EQ(text[i], '-') << text;
        else
            EXPECT_NE(std::string("abcdefghijklmnopqrstuvwxyz234567").find(text[i]), std::string::npos) << text;
    }
}

TEST(RecoveryCode, CodesDiffer) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; i++) seen.insert(std::string(new_recovery_code().view()));
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(RecoveryCode, DigestIgnoresCaseHyphensAndSpaces) {
    const Secret code = new_recovery_code();
    std::string typed(code.view());
    const auto digest = recovery_code_digest(typed);
    ASSERT_TRUE(digest.has_value());
    std::string upper = typed;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(recovery_code_digest(upper), digest);
    std::string plain;
    for (const char c : typed)
        if (c != '-') plain += c;
    EXPECT_EQ(recovery_code_digest(plain), digest);
    std::string spaced = typed;
    for (char& c : spaced)
        if (c == '-') c = ' ';
    EXPECT_EQ(recovery_code_digest(spaced), digest);
}

TEST(RecoveryCode, MalformedCodesHaveNoDigest) {
    for (const char* code : {"", "abcd", "abcd-efgh-ijkl-mnop-qrst-uvw", "abcd-efgh-ijkl-mnop-qrst-uvwxy",
                             "abcd-efgh-ijkl-mnop-qrst-uvw1", "abcd-efgh-ijkl-mnop-qrst-uvw8", "ábcd-efgh-ijkl-mnop-qrst-uvwx"})
        EXPECT_FALSE(recovery_code_digest(code).has_value()) << code;
    EXPECT_FALSE(recovery_code_digest(std::string(1 << 20, 'a')).has_value());
    EXPECT_TRUE(recovery_code_digest("abcd-efgh-ijkl-mnop-qrst-uvwx").has_value());
}
