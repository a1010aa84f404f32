// Hashes made by other systems: recognised, refused when malformed, verified with
// libsodium or libxcrypt. The vectors were made with independent tools (Debian's
// mkpasswd, htpasswd, Python's bcrypt and argon2-cffi, the argon2 CLI) for the
// password "Tr0ub4dor&3".
#include "core/legacy_hash.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/password_hash.h"

using namespace auth::core;

namespace {

const char* const kPassword = "Tr0ub4dor&3";

struct Vector {
    const char* tool;
    const char* hash;
    HashFormat format;
};

const Vector kVectors[] = {
    {"mkpasswd -m sha-512",
     "$6$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1",
     HashFormat::sha512crypt},
    {"mkpasswd -m sha-256", "$5$JGBqMk5b9y6UrgSE$6/w5UdALYXzBmV85scrERlFPNGOhhyzKnf6nx6hoFvD",
     HashFormat::sha256crypt},
    {"mkpasswd -m yescrypt", "$y$j9T$YbaRdNVW5/synVeyAdxU..$QDXSFFw9swedP1VxjyK3pONs416Q2HwbvupsaDlSWY6",
     HashFormat::yescrypt},
    {"mkpasswd -m scrypt", "$7$CU..../....bAXdt1OZ1sNTRVyrPqv62/$iS7dKKuUsXUKkxkWLWqUDevOLsQl0cOwzVyCAH/Qnc4",
     HashFormat::scrypt},
    {"mkpasswd -m bcrypt", "$2b$05$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y", HashFormat::bcrypt},
    {"htpasswd -nbB", "$2y$05$RCkZ3PPQ2Kjydv9Cph4aB.78a5A8.JDp8ELfiux.VGxvH0V4Sw2Zu", HashFormat::bcrypt},
    {"python3 bcrypt", "$2b$04$j5go6vDd5UeCTnrrJX54feH4lK6J5wDtxtpu.RQm1.kWKKQFv2Uv.", HashFormat::bcrypt},
    {"python3 argon2-cffi (p=4)", "$argon2id$v=19$m=8192,t=1,p=4$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg",
     HashFormat::argon2id},
    {"python3 argon2-cffi argon2i", "$argon2i$v=19$m=8192,t=1,p=1$FRYmWh4udRppWFn062+7WA$MdBpBZeURTTWFKZPNsTIwQ",
     HashFormat::argon2i},
    {"argon2 CLI (p=2)",
     "$argon2id$v=19$m=8192,t=1,p=2$c29tZXNhbHRzYWx0$N8HAaYDiqEbi0kM8PL4lRl2uNu6FYekTG8z/lZf/WDI",
     HashFormat::argon2id},
};

class LegacyHash : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
};

// The message of the error a call raises, or "" when it raises none.
template <typename Call>
std::string error_of(Call call) {
    try {
        call();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_value);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_F(LegacyHash, AcceptsAndVerifiesEveryToolsHash) {
    for (const Vector& v : kVectors) {
        SCOPED_TRACE(v.tool);
        EXPECT_EQ(check_importable_hash(v.hash), v.format);
        EXPECT_TRUE(hash_matches(kPassword, v.hash));
        EXPECT_FALSE(hash_matches("Tr0ub4dor&4", v.hash));
        EXPECT_FALSE(hash_matches("", v.hash));
    }
}

TEST_F(LegacyHash, NamesEachFormat) {
    EXPECT_STREQ(format_name(HashFormat::sha512crypt), "sha512-crypt");
    EXPECT_STREQ(format_name(HashFormat::bcrypt), "bcrypt");
    EXPECT_FALSE(hash_format("$1$abc$def").has_value());  // md5-crypt is not accepted
    EXPECT_FALSE(hash_format("plain text").has_value());
}

TEST_F(LegacyHash, RefusesUnknownFormatsWithoutEchoingThem) {
    for (const char* bad : {"", "secret-looking-value", "$1$saltsalt$VQ9GgErIkyJIt5ZFJhQiy/",
                            "$argon2d$v=19$m=8192,t=1,p=1$c29tZXNhbHQ$aGFzaA"}) {
        const std::string message = error_of([&] { check_importable_hash(bad); });
        EXPECT_EQ(message, "password_hash is not in a supported format") << bad;
    }
}

TEST_F(LegacyHash, RefusesMalformedHashesOfKnownFormats) {
    const char* const malformed[] = {
        // bcrypt with a cost outside 4..31, and one cut short
        "$2b$99$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y",
        "$2b$05$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn4",
        "$2b$ab$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y",
        // Argon2id: missing digest, bad parameters, not base64
        "$argon2id$v=19$m=8192,t=1,p=4$qdUdB7pMBGqDvftzVuGZhA",
        "$argon2id$v=19$m=x,t=1,p=4$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg",
        "$argon2id$v=19$m=8192,t=1,p=4$qdUdB7pMBGqDvftzVuGZhA$!!!!",
        // sha512-crypt with a digest of the wrong length; a line break inside
        "$6$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5",
        "$6$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I\n",
        "$y$j9T$$",
    };
    for (const char* bad : malformed) {
        const std::string message = error_of([&] { check_importable_hash(bad); });
        EXPECT_NE(message, "") << bad;
        EXPECT_EQ(message.find("$"), std::string::npos) << "the message echoes the hash: " << message;
        EXPECT_FALSE(hash_matches(kPassword, bad)) << bad;
    }
}

TEST_F(LegacyHash, RefusesOverlongStrings) {
    const std::string longer = std::string(kVectors[0].hash) + std::string(kMaxImportedHashBytes, 'a');
    EXPECT_NE(error_of([&] { check_importable_hash(longer); }), "");
    EXPECT_FALSE(hash_matches(kPassword, longer));
}

TEST_F(LegacyHash, RefusesHashesThatAskForTooMuchWork) {
    const char* const costly[] = {
        // bcrypt cost 17 (mkpasswd -m bcrypt -R 17 would take 6 s here at every login)
        "$2b$17$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y",
        // sha512-crypt with 999,999,999 rounds (the format's maximum: minutes per login)
        "$6$rounds=999999999$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1",
        // scrypt with N = 2^30 (128 GiB of memory at r = 1... here r = 32)
        "$7$YU..../....bAXdt1OZ1sNTRVyrPqv62/$iS7dKKuUsXUKkxkWLWqUDevOLsQl0cOwzVyCAH/Qnc4",
        // Argon2id with 4 GiB of memory, and with 1 GiB over 8 passes
        "$argon2id$v=19$m=4194304,t=1,p=4$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg",
        "$argon2id$v=19$m=1048576,t=8,p=4$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg",
    };
    for (const char* bad : costly) {
        const std::string message = error_of([&] { check_importable_hash(bad); });
        EXPECT_EQ(message, "password_hash asks for more work than auth verifies at a login") << bad;
    }
    // Bounded work (about a second a check, two verifications of a 64-byte password):
    // bcrypt cost 14, sha512-crypt with 2,000,000 rounds, Argon2id with 1 GiB or with
    // 256 MiB over 4 passes, scrypt and yescrypt with 1 GiB.
    const char* const over_bound_hashes[] = {
        "$2b$14$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y",
        "$6$rounds=2000000$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1",
        "$argon2id$v=19$m=1048576,t=1,p=1$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg",
        "$argon2id$v=19$m=262144,t=4,p=1$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg",
        "$7$GU..../.....WPvLwFrhw9jymhgOhGtc.$XDkq66to2AOb0YdptniIkS1TvLPCDChUwQWnROc78NC",
        "$y$jFT$7qfhQVZBYBB6QYnzzYmtq/$k72gp9x7S4.sJ3Y4EtVcCGPSAE3NOmSy6vig1NOE5S4",
    };
    for (const char* bad : over_bound_hashes) {
        EXPECT_TRUE(over_bound(bad)) << bad;
        const std::string message = error_of([&] { check_importable_hash(bad); });
        EXPECT_EQ(message, "password_hash asks for more work than auth verifies at a login") << bad;
    }
    // Just within: bcrypt 13, sha512-crypt 1,000,000 rounds, Argon2id 256 MiB over 3
    // passes (libsodium's MODERATE), yescrypt with 256 MiB.
    for (const char* fine : {
             "$2b$13$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y",
             "$6$rounds=1000000$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1",
             "$argon2id$v=19$m=262144,t=3,p=1$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg",
             "$y$jDT$Mpuw6gNmzp18XSNphGV/60$Tsv1nTBLN8Lj1/KJlhQQ1vok74zr6fpwb6sfbiY8LY.",
         })
        EXPECT_FALSE(over_bound(fine)) << fine;
    // The bounds themselves are accepted.
    EXPECT_EQ(check_importable_hash("$6$rounds=10000$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1"),
              HashFormat::sha512crypt);
}

TEST_F(LegacyHash, VerifyCostFollowsTheParameters) {
    // yescrypt's packed parameters: "j9T" is N = 2^12, r = 32: 16 MiB.
    const auto yes = verify_cost("$y$j9T$M6VHK9Xg6dTefVxWWeBU3/$njw08NnsMu5jdyHP0aUdKBQFOVqK4qz8END0T.MdHtC", 8);
    ASSERT_TRUE(yes.has_value());
    EXPECT_EQ(yes->memory, 16ull << 20);
    // scrypt "$7$BU..../....": N = 2^13, r = 32, p = 1: 32 MiB.
    const auto scr = verify_cost("$7$BU..../....nDUhmm4c1Gm.DMyK6XRfL1$XewAOjkQGUDUG6MGZQiPZHo0LEU3hjTjdKiP/f1IdZ/", 8);
    ASSERT_TRUE(scr.has_value());
    EXPECT_EQ(scr->memory, 32ull << 20);
    // sha-crypt: the default 5,000 rounds when none are named, and a cost that grows
    // with the password; the others do not grow.
    const auto sha_short = verify_cost("$6$YjG6pIdwgLwws6MD$x", 8);
    const auto sha_long = verify_cost("$6$YjG6pIdwgLwws6MD$x", 500);
    ASSERT_TRUE(sha_short && sha_long);
    EXPECT_TRUE(sha_short->grows_with_password);
    EXPECT_GT(sha_long->ms, 5 * sha_short->ms);
    EXPECT_FALSE(verify_cost("$2b$10$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y", 8)->grows_with_password);
    EXPECT_FALSE(verify_cost("$unknown$", 8).has_value());
}

TEST_F(LegacyHash, LongPasswordsAgainstManyRoundsAreOverTheBound) {
    // passlib's default for sha512-crypt, 656,000 rounds: importable; a 64- or 200-byte
    // password is checked, a 400-byte one (or two 250-byte forms) would cost more than
    // the budget and is refused; past libxcrypt's 511 bytes nothing is computed at all.
    const char* passlib = "$6$rounds=656000$YjG6pIdwgLwws6MD$x";
    EXPECT_FALSE(over_bound(passlib));
    EXPECT_TRUE(passwords_within_bound(passlib, 64, 0));
    EXPECT_TRUE(passwords_within_bound(passlib, 200, 0));
    EXPECT_FALSE(passwords_within_bound(passlib, 400, 0));
    EXPECT_FALSE(passwords_within_bound(passlib, 250, 250));
    EXPECT_TRUE(passwords_within_bound(passlib, 600, 0));
    // Formats whose cost does not grow with the password: always within.
    EXPECT_TRUE(passwords_within_bound("$2b$13$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y", 500, 500));
    // A hash stored over the bound before it existed keeps working for passwords of the
    // typical length, and refuses only those that cost it more.
    const char* legacy = "$6$rounds=5000000$YjG6pIdwgLwws6MD$x";
    EXPECT_TRUE(over_bound(legacy));
    EXPECT_TRUE(passwords_within_bound(legacy, 64, 0));
    EXPECT_FALSE(passwords_within_bound(legacy, 300, 0));
}
