// One address, one account: the key (NFKC_Casefold) and confusable skeleton of emails,
// and the refusal of invisible characters, without PostgreSQL.
#include "core/email_key.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/input_rules.h"

using namespace auth::core;

namespace {

std::string key(const std::string& email) { return email_key(email).value_or("<none>"); }
std::string skeleton(const std::string& email) { return email_skeleton(email).value_or("<none>"); }

}  // namespace

TEST(EmailKey, FoldsCase) {
    EXPECT_EQ(key("Alice@Example.COM"), "alice@example.com");
    EXPECT_EQ(key("alice@example.com"), "alice@example.com");
}

TEST(EmailKey, TheKelvinSignIsTheLetterK) {
    EXPECT_EQ(key("\u212Aate@x.org"), "kate@x.org");  // KELVIN SIGN
    EXPECT_EQ(key("\u212Aate@x.org"), key("kate@x.org"));
}

TEST(EmailKey, FullWidthLettersAreTheirAsciiForms) {
    EXPECT_EQ(key("\uFF41\uFF4C\uFF49\uFF43\uFF45@x"), "alice@x");  // ａｌｉｃｅ
    EXPECT_EQ(key("\uFF21LICE@x"), "alice@x");                      // Ａ
}

TEST(EmailKey, FoldsBeyondLowerCase) {
    EXPECT_EQ(key("stra\u00DFe@x"), "strasse@x");  // ß folds to ss
    EXPECT_EQ(key("\uFB01le@x"), "file@x");        // the ﬁ ligature
    EXPECT_EQ(key("e\u0301@x"), key("\u00E9@x"));  // composed and decomposed é
}

TEST(EmailKey, KeepsHomoglyphsApart) {
    // Cyrillic а (U+0430) is its own letter: another key, caught by the skeleton.
    EXPECT_NE(key("\u0430lice@x"), key("alice@x"));
}

TEST(EmailKey, NothingForWhatCannotBeAnAddress) {
    EXPECT_EQ(email_key(std::string(251, 'a') + "@b.c"), std::nullopt);  // 255 characters
    EXPECT_NE(email_key(std::string(250, 'a') + "@b.c"), std::nullopt);  // 254
    EXPECT_EQ(email_key("\xC3(@x"), std::nullopt);                       // invalid UTF-8
    // Within 254 characters, but NFKC spells U+FDFA out in 18 letters: over the bound.
    std::string long_key;
    for (int i = 0; i < 40; i++) long_key += "\uFDFA";
    EXPECT_EQ(email_key(long_key + "@x"), std::nullopt);
    EXPECT_EQ(email_skeleton(long_key + "@x"), std::nullopt);
}

TEST(EmailSkeleton, CyrillicLookAlikesShareTheLatinSkeleton) {
    EXPECT_EQ(skeleton("\u0430lice@x"), skeleton("alice@x"));  // Cyrillic а
    EXPECT_EQ(skeleton("p\u0430yp\u0430l@x"), skeleton("paypal@x"));
    EXPECT_EQ(skeleton("\u0410LICE@x"), skeleton("alice@x"));  // Cyrillic А, any case
    EXPECT_NE(skeleton("bob@x"), skeleton("alice@x"));
}

TEST(EmailSkeleton, AsciiLookAlikesShareOneToo) {
    // barn@ and bam@ share a skeleton; the rule lets them be two accounts because both
    // are ASCII (email_is_ascii), not because the skeletons differ.
    EXPECT_EQ(skeleton("barn@x"), skeleton("bam@x"));
    EXPECT_TRUE(email_is_ascii("barn@x"));
    EXPECT_TRUE(email_is_ascii("bam@x"));
    EXPECT_FALSE(email_is_ascii("\u0430lice@x"));
    EXPECT_FALSE(email_is_ascii("\u212Aate@x"));
}

TEST(EmailInvisible, FindsFormatAndDefaultIgnorableCharacters) {
    for (const char* invisible :
         {"\u200B", "\u200C", "\u200D", "\u2060", "\u00AD", "\u202E", "\u200E", "\u2066", "\uFE0F",
          "\uFEFF", "\U000E0041", "\u3164", "\u034F", "\U0001D173"}) {
        EXPECT_TRUE(email_has_invisible(std::string("al") + invisible + "ice@x")) << invisible;
    }
    EXPECT_FALSE(email_has_invisible("alice@example.com"));
    EXPECT_FALSE(email_has_invisible("j\u00F6rg@b\u00FCcher.example"));
    EXPECT_FALSE(email_has_invisible("\u0430lice@x"));
    EXPECT_TRUE(email_has_invisible("\xC3(@x"));  // invalid UTF-8
}

TEST(EmailInvisible, TheKeyAloneWouldHideThem) {
    // NFKC_Casefold drops default-ignorable characters: a zero-width space would reach
    // the visible address's account, which is why such an address is refused, not keyed.
    EXPECT_EQ(key("al\u200Bice@x"), key("alice@x"));
}

TEST(EmailInvisible, CheckEmailRefusesThem) {
    try {
        check_email("al\u200Bice@example.com");
        FAIL() << "an address with a zero-width space was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_value);
        EXPECT_STREQ(e.what(), "email must not contain invisible characters");
    }
    EXPECT_NO_THROW(check_email("\u0430lice@example.com"));  // visible: refused only as a duplicate
}

TEST(EmailInvisible, CheckEmailRefusesAnAddressTooLongOnceNormalized) {
    std::string address;
    for (int i = 0; i < 40; i++) address += "\uFDFA";
    try {
        check_email(address + "@x");
        FAIL() << "an address whose key is over the bound was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_value);
        EXPECT_STREQ(e.what(), "email is too long once normalized");
    }
}

TEST(EmailKey, IdeographicStopsAreDots) {
    // U+3002 ideographic, U+FF0E full-width and U+FF61 half-width full stops (UTS #46).
    EXPECT_EQ(email_key("kate@example\u3002com"), "kate@example.com");
    EXPECT_EQ(email_key("kate@example\uFF0Ecom"), "kate@example.com");
    EXPECT_EQ(email_key("kate@example\uFF61com"), "kate@example.com");
}
