#include "core/input_rules.h"

#include <unistr.h>

#include <string>

#include "core/error.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

const uint8_t* bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// C0 controls and DEL: they have no place in a name or an address and hide in logs.
bool has_control_character(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

bool has_space(std::string_view s) {
    for (unsigned char c : s)
        if (c == ' ') return true;
    return false;
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
}

void check_password(std::string_view password, PasswordLengthLimits limits) {
    const std::size_t chars = count_characters(password, "password");
    if (chars < limits.min_chars)
        throw Error(ErrorKind::invalid_value,
                    "password must be at least " + std::to_string(limits.min_chars) +
                        " characters");
    if (chars > limits.max_chars)
        throw Error(ErrorKind::invalid_value,
                    "password must be at most " + std::to_string(limits.max_chars) +
                        " characters");
}

bool password_within_max(std::string_view password, PasswordLengthLimits limits) noexcept {
    // Four bytes is the longest UTF-8 character: a longer byte string cannot fit.
    if (password.size() > limits.max_chars * 4) return false;
    if (u8_check(bytes(password), password.size()) != nullptr) return false;
    return u8_mbsnlen(bytes(password), password.size()) <= limits.max_chars;
}

}  // namespace auth::core
