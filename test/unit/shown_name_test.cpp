// Names in error messages, as auth.shown shows them in SQL.
#include "core/shown_name.h"

#include <gtest/gtest.h>

#include <string>

using namespace auth::core;

namespace {

std::string shown(std::string_view name) {
    char out[kShownNameCapacity];
    const std::size_t n = shown_name(name, out, sizeof out);
    EXPECT_EQ(n, std::char_traits<char>::length(out));
    return std::string(out, n);
}

}  // namespace

TEST(ShownName, QuotesAPlainName) {
    EXPECT_EQ(shown("payroll_app"), "\"payroll_app\"");
    EXPECT_EQ(shown(""), "\"\"");
    EXPECT_EQ(shown("Zoë's \"app\""), "\"Zoë's \"app\"\"");
}

TEST(ShownName, ControlCharactersAndSeparatorsBecomeQuestionMarks) {
    EXPECT_EQ(shown("a\nb\tc\177d"), "\"a?b?c?d\"");        // \177: DEL
    EXPECT_EQ(shown("x\u0085y"), "\"x?y\"");                // NEXT LINE, a C1 control
    EXPECT_EQ(shown("x\u009fy\u00a0z"), "\"x?y\u00a0z\"");  // the last C1; NBSP is kept
    EXPECT_EQ(shown("x\u2028y\u2029z"), "\"x?y?z\"");
    EXPECT_EQ(shown("x\xffy\xc3"), "\"x?y?\"");  // bytes that start no character
}

TEST(ShownName, SixtyFourCharactersAreShownWhole) {
    const std::string name(64, 'n');
    EXPECT_EQ(shown(name), "\"" + name + "\"");
    std::string wide;
    for (int i = 0; i < 64; i++) wide += "é";
    EXPECT_EQ(shown(wide), "\"" + wide + "\"");
}

TEST(ShownName, LongerNamesAreCutToSixtyOneAndDots) {
    EXPECT_EQ(shown(std::string(65, 'n')), "\"" + std::string(61, 'n') + "...\"");
    std::string wide, cut;
    for (int i = 0; i < 200; i++) wide += "€";
    for (int i = 0; i < 61; i++) cut += "€";
    EXPECT_EQ(shown(wide), "\"" + cut + "...\"");
}

TEST(ShownName, CutToFitASmallBuffer) {
    char out[6];
    EXPECT_EQ(shown_name("abcdefgh", out, sizeof out), 5u);
    EXPECT_STREQ(out, "\"abcd");
    EXPECT_EQ(shown_name("abc", out, 0), 0u);
}
