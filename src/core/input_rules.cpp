#include "core/input_rules.h"

#include <unictype.h>
#include <unistr.h>

#include <string>

#include "core/email_key.h"
#include "core/error.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

const uint8_t* bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// True when some code point of valid UTF-8 text satisfies the predicate.
template <typename Predicate>
bool any_code_point(std::string_view text, Predicate predicate) {
    const uint8_t* p = bytes(text);
    std::size_t left = text.size();
    while (left > 0) {
        ucs4_t uc;
        const int length = u8_mbtouc(&uc, p, left);
        if (predicate(uc)) return true;
        p += length;
        left -= static_cast<std::size_t>(length);
    }
    return false;
}

// Controls (C0, DEL, C1) and line or paragraph separators: they have no place in a name
// or an address, and they break or forge lines in logs.
bool is_control_or_line_break(ucs4_t uc) {
    return uc_is_general_category(uc, UC_CATEGORY_Cc) || uc_is_general_category(uc, UC_CATEGORY_Zl) ||
           uc_is_general_category(uc, UC_CATEGORY_Zp);
}

bool has_control_character(std::string_view s) { return any_code_point(s, is_control_or_line_break); }

// Any Unicode white space (the space, no-break space, ideographic space, ...).
bool has_space(std::string_view s) {
    return any_code_point(s, [](ucs4_t uc) { return uc_is_property_white_space(uc); });
}

// A code point that shows nothing: white space, a default-ignorable one (zero-width
// spaces and joiners, the Hangul fillers, variation selectors, ...) or the blank braille
// pattern.
bool is_invisible(ucs4_t uc) {
    return uc_is_property_white_space(uc) || uc_is_property_default_ignorable_code_point(uc) || uc == 0x2800;
}

// Nothing visible: a name nobody can tell from an empty one when it is shown.
bool is_blank(std::string_view s) {
    return !any_code_point(s, [](ucs4_t uc) { return !is_invisible(uc); });
}

}  // namespace

std::size_t count_characters(std::string_view utf8, const char* argument) {
    if (u8_check(bytes(utf8), utf8.size()) != nullptr)
        throw Error(ErrorKind::invalid_value, std::string(argument) + " is not valid UTF-8");
    return u8_mbsnlen(bytes(utf8), utf8.size());
}

void check_name(std::string_view value, const char* argument) {
    const std::size_t chars = count_characters(value, argument);
    if (chars == 0)
        throw Error(ErrorKind::invalid_value, std::string(argument) + " must not be empty");
    if (chars > kMaxNameChars)
        throw Error(ErrorKind::invalid_value,
                    std::string(argument) + " must be at most " + std::to_string(kMaxNameChars) +
                        " characters",
                    "It has " + std::to_string(chars) + " characters.");
    if (has_control_character(value))
        throw Error(ErrorKind::invalid_value,
                    std::string(argument) + " must not contain control characters");
    if (is_blank(value))
        throw Error(ErrorKind::invalid_value, std::string(argument) + " must not be blank");
}

void check_email(std::string_view email) {
    const std::size_t chars = count_characters(email, "email");
    if (chars == 0) throw Error(ErrorKind::invalid_value, "email must not be empty");
    if (chars > kMaxEmailChars)
        throw Error(ErrorKind::invalid_value,
                    "email must be at most " + std::to_string(kMaxEmailChars) + " characters",
                    "It has " + std::to_string(chars) + " characters.");
    const std::size_t at = email.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == email.size() ||
        has_control_character(email) || has_space(email))
        throw Error(ErrorKind::invalid_value, "email is not a valid address",
                    "Expected local-part@domain with no spaces or control characters.");
    if (email_has_invisible(email))
        throw Error(ErrorKind::invalid_value, "email must not contain invisible characters",
                    "Zero-width, format and other default-ignorable characters make "
                    "look-alike addresses.");
    if (!email_key(email) || !email_skeleton(email))
        throw Error(ErrorKind::invalid_value, "email is too long once normalized",
                    "Its NFKC case fold or confusable skeleton is over " +
                        std::to_string(kMaxEmailKeyBytes) + " bytes.");
}

void check_password_length(std::string_view normalized, PasswordLengthLimits limits,
                           const char* argument) {
    const std::size_t chars = count_characters(normalized, argument);
    if (chars < limits.min_chars)
        throw Error(ErrorKind::invalid_value, std::string(argument) + " must be at least " +
                                                  std::to_string(limits.min_chars) + " characters");
    if (chars > limits.max_chars)
        throw Error(ErrorKind::invalid_value, std::string(argument) + " must be at most " +
                                                  std::to_string(limits.max_chars) + " characters");
}

bool password_size_may_fit(std::string_view typed, PasswordLengthLimits limits) noexcept {
    return typed.size() <= limits.max_chars * 4 + 64;
}

void check_password_size(std::string_view typed, PasswordLengthLimits limits, const char* argument) {
    if (!password_size_may_fit(typed, limits))
        throw Error(ErrorKind::invalid_value, std::string(argument) + " must be at most " +
                                                  std::to_string(limits.max_chars) + " characters");
}

}  // namespace auth::core
