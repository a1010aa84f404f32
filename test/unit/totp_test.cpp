// TOTP through liboath: RFC 6238's test vectors (SHA-1, cut to 6 digits), the window,
// malformed codes, base32 and the key URI.
#include "core/totp.h"

#include <gtest/gtest.h>

#include <string>

using namespace auth::core;

namespace {
// RFC 6238 Appendix B: the SHA-1 secret is the ASCII string "12345678901234567890".
const std::string kRfcSecret = "12345678901234567890";
}  // namespace

TEST(Totp, RfcVectorsMatchTheirStep) {
    // 8-digit values from the RFC, of which a 6-digit code is the last six digits.
    EXPECT_EQ(totp_matching_step(kRfcSecret, "287082", 59, 0), 1u);           // 94287082
    EXPECT_EQ(totp_matching_step(kRfcSecret, "081804", 1111111109, 0), 37037036u);  // 07081804
    EXPECT_EQ(totp_matching_step(kRfcSecret, "005924", 1234567890, 0), 41152263u);  // 89005924
    EXPECT_EQ(totp_matching_step(kRfcSecret, "279037", 2000000000, 0), 66666666u);  // 69279037
}

TEST(Totp, OneStepEitherSideIsAcceptedTwoAreNot) {
    const std::int64_t t = 1111111109;  // step 37037036
    EXPECT_EQ(totp_matching_step(kRfcSecret, "081804", t + 30, 1), 37037036u);
    EXPECT_EQ(totp_matching_step(kRfcSecret, "081804", t - 30, 1), 37037036u);
    EXPECT_FALSE(totp_matching_step(kRfcSecret, "081804", t + 60, 1).has_value());
    EXPECT_FALSE(totp_matching_step(kRfcSecret, "081804", t - 60, 1).has_value());
}

TEST(Totp, MalformedCodesMatchNothing) {
    for (const char* code : {"", "08180", "0818044", " 081804", "081804 ", "08 1804", "abcdef", "０８１８０４", "-81804"})
        EXPECT_FALSE(totp_matching_step(kRfcSecret, code, 1111111109, 1).has_value()) << code;
    EXPECT_FALSE(is_totp_code("12345"));
    EXPECT_TRUE(is_totp_code("012345"));
    EXPECT_FALSE(totp_matching_step(kRfcSecret, std::string(1 << 20, '1'), 1111111109, 1).has_value());
}

TEST(Totp, AnotherSecretDoesNotMatch) {
    EXPECT_FALSE(totp_matching_step("09876543210987654321", "081804", 1111111109, 1).has_value());
}

TEST(Totp, NewSecretsAre160RandomBitsIn32Base32Characters) {
    const Secret a = new_totp_secret();
    const Secret b = new_totp_secret();
    EXPECT_EQ(a.view().size(), 20u);
    EXPECT_NE(a.view(), b.view());
    const Secret encoded = totp_secret_base32(a.view());
    EXPECT_EQ(encoded.view().size(), 32u);
    EXPECT_EQ(encoded.view().find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string_view::npos);
    // RFC 4648 test vector: "foobar" is MZXW6YTBOI====== (padding dropped).
    EXPECT_EQ(totp_secret_base32("foobar").view(), "MZXW6YTBOI");
}

TEST(Totp, KeyUriPercentEncodesIssuerAndAccount) {
    const Secret uri = totp_key_uri("Acme Payroll", "alice+1@example.com", "JBSWY3DPEHPK3PXP");
    EXPECT_EQ(uri.view(),
              "otpauth://totp/Acme%20Payroll:alice%2B1%40example.com?secret=JBSWY3DPEHPK3PXP"
              "&issuer=Acme%20Payroll&algorithm=SHA1&digits=6&period=30");
    EXPECT_EQ(percent_encoded("a:b/c?é"), "a%3Ab%2Fc%3F%C3%A9");
}
