// The contract's input rules, checked without PostgreSQL.
#include "core/input_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

using namespace auth::core;

namespace {

// The kind and message of the error a call throws; fails the test if it throws none.
template <typename F>
Error thrown_by(F&& call) {
    try {
        call();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "expected an auth::core::Error";
    return Error(ErrorKind::internal, "none thrown");
}

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; i++) out += s;
    return out;
}

const PasswordLengthLimits kDefaultLimits{8, 1024};

}  // namespace

TEST(CountCharacters, CountsCodePointsNotBytes) {
    EXPECT_EQ(count_characters("abc", "x"), 3u);
    EXPECT_EQ(count_characters("\xC3\xA9t\xC3\xA9", "x"), 3u);    // "été"
    EXPECT_EQ(count_characters("\xF0\x9F\x94\x91", "x"), 1u);     // one 4-byte key emoji
}

TEST(CountCharacters, RefusesInvalidUtf8NamingTheArgument) {
    const Error e = thrown_by([] { count_characters("\xC3", "password"); });
    EXPECT_EQ(e.kind(), ErrorKind::invalid_value);
    EXPECT_STREQ(e.what(), "password is not valid UTF-8");
}

TEST(CheckName, AcceptsOneTo200Characters) {
    EXPECT_NO_THROW(check_name("a", "product"));
    EXPECT_NO_THROW(check_name(repeat("x", 200), "product"));
    EXPECT_NO_THROW(check_name(repeat("\xC3\xA9", 200), "product"));  // 400 bytes, 200 characters
    EXPECT_NO_THROW(check_name("x'); DROP TABLE auth.users; --", "product"));
}

TEST(CheckName, RefusesEmptyLongAndControlCharacters) {
    Error e = thrown_by([] { check_name("", "role"); });
    EXPECT_EQ(e.kind(), ErrorKind::invalid_value);
    EXPECT_STREQ(e.what(), "role must not be empty");

    e = thrown_by([] { check_name(repeat("x", 201), "tenant"); });
    EXPECT_STREQ(e.what(), "tenant must be at most 200 characters");
    EXPECT_EQ(e.detail(), "It has 201 characters.");

    for (const char* bad : {"line\nbreak", "tab\there", "del\x7f", "next\xC2\x85line",
                            "line\xE2\x80\xA8separator", "paragraph\xE2\x80\xA9separator"}) {
        e = thrown_by([bad] { check_name(bad, "role"); });
        EXPECT_STREQ(e.what(), "role must not contain control characters") << bad;
    }

    // space, no-break, ideographic; zero-width space + word joiner + BOM; Hangul filler;
    // blank braille pattern
    for (const char* blank : {" ", "   ", "\xC2\xA0", "\xE3\x80\x80 ", "\xE2\x80\x8B\xE2\x81\xA0\xEF\xBB\xBF",
                              "\xE3\x85\xA4", "\xE2\xA0\x80"}) {
        e = thrown_by([blank] { check_name(blank, "product"); });
        EXPECT_STREQ(e.what(), "product must not be blank") << blank;
    }
}

TEST(CheckName, KeepsOrdinaryUnicodeAndSpaces) {
    EXPECT_NO_THROW(check_name("Caf\xC3\xA9 Bar", "product"));            // "Café Bar"
    EXPECT_NO_THROW(check_name("\xE4\xBC\x9A\xE8\xA8\x88", "product"));  // "会計"
    EXPECT_NO_THROW(check_name(" padded ", "tenant"));
    EXPECT_NO_THROW(check_name("a\xE2\x80\x8B", "tenant"));  // visible, with a zero-width space
}

TEST(CheckEmail, AcceptsOrdinaryAndInternationalAddresses) {
    EXPECT_NO_THROW(check_email("alice@example.com"));
    EXPECT_NO_THROW(check_email("a@b"));
    EXPECT_NO_THROW(check_email("\"quoted@local\"@example.com"));
    EXPECT_NO_THROW(check_email("j\xC3\xB6rg@b\xC3\xBC" "cher.example"));
    EXPECT_NO_THROW(check_email(repeat("a", 250) + "@b.c"));  // 254 characters
}

TEST(CheckEmail, RefusesMalformedAddresses) {
    for (const char* bad : {"", "no-at-sign", "@example.com", "alice@", "a b@example.com",
                            "tab\t@example.com", "nbsp\xC2\xA0@example.com",
                            "ideographic\xE3\x80\x80space@example.com",
                            "next\xC2\x85line@example.com"}) {
        const Error e = thrown_by([bad] { check_email(bad); });
        EXPECT_EQ(e.kind(), ErrorKind::invalid_value) << bad;
    }
    const Error e = thrown_by([] { check_email(repeat("a", 251) + "@b.c"); });
    EXPECT_STREQ(e.what(), "email must be at most 254 characters");
}

TEST(CheckPasswordLength, EnforcesLengthInCharactersNamingTheArgument) {
    EXPECT_NO_THROW(check_password_length("12345678", kDefaultLimits, "password"));
    EXPECT_NO_THROW(check_password_length(repeat("x", 1024), kDefaultLimits, "password"));
    EXPECT_NO_THROW(check_password_length(repeat("\xE2\x82\xAC", 8), kDefaultLimits, "password"));  // 8 x "€"

    Error e = thrown_by([] { check_password_length("1234567", kDefaultLimits, "password"); });
    EXPECT_EQ(e.kind(), ErrorKind::invalid_value);
    EXPECT_STREQ(e.what(), "password must be at least 8 characters");
    e = thrown_by([] { check_password_length(repeat("x", 1025), kDefaultLimits, "password"); });
    EXPECT_STREQ(e.what(), "password must be at most 1024 characters");
    e = thrown_by([] { check_password_length("short", kDefaultLimits, "new_password"); });
    EXPECT_STREQ(e.what(), "new_password must be at least 8 characters");
}

TEST(CheckPasswordLength, MessageNeverContainsThePassword) {
    const std::string secret = "s3cr3t!";
    const Error e = thrown_by([&] { check_password_length(secret, kDefaultLimits, "password"); });
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos);
    EXPECT_EQ(e.detail().find(secret), std::string::npos);
}

TEST(PasswordSizeMayFit, BoundsBytesBeforeAnyWork) {
    EXPECT_TRUE(password_size_may_fit("short", kDefaultLimits));  // the minimum is not its business
    EXPECT_TRUE(password_size_may_fit(repeat("\xF0\x9F\x98\x80", 1024), kDefaultLimits));  // 1024 x 4-byte emoji
    EXPECT_FALSE(password_size_may_fit(repeat("x", 1024 * 4 + 65), kDefaultLimits));
    EXPECT_FALSE(password_size_may_fit(repeat("x", 1024 * 1024), kDefaultLimits));
    EXPECT_THROW(check_password_size(repeat("x", 1024 * 1024), kDefaultLimits, "password"), Error);
}
