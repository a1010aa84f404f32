#include "core/password_quality.h"

#include <crack.h>
#include <pwquality.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/secret.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

// NFKC case fold of UTF-8 text (ICU and libunistring agree on it), in wiped memory, so
// that names and password compare regardless of case, beyond ASCII too.
Secret folded(std::string_view text) {
    if (text.empty()) return Secret(text);
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    if (u8_check(bytes, text.size()) != nullptr) return Secret(text);  // compared as bytes
    std::size_t length = 0;
    uint8_t* result = u8_casefold(bytes, text.size(), nullptr, UNINORM_NFKC, nullptr, &length);
    if (result == nullptr) throw Error(ErrorKind::internal, "Unicode case folding failed");
    const std::unique_ptr<uint8_t, decltype(&std::free)> owned(result, &std::free);
    const ScopedWipe wipe_result(result, length);  // runs before the free above
    return Secret(std::string_view(reinterpret_cast<const char*>(result), length));
}

// The email's local part: what precedes its last '@' (the whole text when there is none).
std::string_view local_part(std::string_view email) {
    const auto at = email.rfind('@');
    return at == std::string_view::npos ? email : email.substr(0, at);
}

// The forms of a local part a password may not hold: the whole, the mailbox before a
// "+tag" (subaddress), and that mailbox without its dots, hyphens and underscores
// ("jon.athan+shop" holds "jon.athan" and "jonathan").
std::vector<std::string> local_part_forms(std::string_view local) {
    const std::string_view mailbox = local.substr(0, local.find('+'));
    std::string squeezed;
    for (const char c : mailbox)
        if (c != '.' && c != '-' && c != '_') squeezed += c;
    return {std::string(local), std::string(mailbox), squeezed};
}

// The full name without whitespace, so that "Li Na" is found in "LiNa2024".
std::string joined(std::string_view name) {
    std::string out;
    for (const char c : name)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
    return out;
}

using Settings = std::unique_ptr<pwquality_settings_t, decltype(&pwquality_free_settings)>;

// libpwquality settings that refuse nothing but a password holding one of the names:
// every composition rule off (minlen at the library's floor of 6 with unlimited credits,
// no class, repeat or sequence limits), no dictionary (cracklib runs separately, below),
// no GECOS lookup (getpwnam of the server's OS accounts), the full name's words as the
// "bad words" libpwquality compares the way it compares GECOS words.
Settings names_settings(const Secret& full_name) {
    Settings settings(pwquality_default_settings(), &pwquality_free_settings);
    if (!settings) throw std::bad_alloc();
    constexpr int kUnlimitedCredit = 1 << 20;
    const struct { int setting, value; } values[] = {
        {PWQ_SETTING_DIFF_OK, 0},          {PWQ_SETTING_MIN_LENGTH, 0},
        {PWQ_SETTING_DIG_CREDIT, kUnlimitedCredit}, {PWQ_SETTING_UP_CREDIT, kUnlimitedCredit},
        {PWQ_SETTING_LOW_CREDIT, kUnlimitedCredit}, {PWQ_SETTING_OTH_CREDIT, kUnlimitedCredit},
        {PWQ_SETTING_MIN_CLASS, 0},        {PWQ_SETTING_MAX_REPEAT, 0},
        {PWQ_SETTING_MAX_CLASS_REPEAT, 0}, {PWQ_SETTING_MAX_SEQUENCE, 0},
        {PWQ_SETTING_GECOS_CHECK, 0},      {PWQ_SETTING_DICT_CHECK, 0},
        {PWQ_SETTING_USER_CHECK, 1},
    };
    for (const auto& v : values)
        if (pwquality_set_int_value(settings.get(), v.setting, v.value) != 0)
            throw Error(ErrorKind::internal, "libpwquality refused a setting");
    if (pwquality_set_str_value(settings.get(), PWQ_SETTING_BAD_WORDS, std::string(full_name.view()).c_str()) != 0)
        throw Error(ErrorKind::internal, "libpwquality refused a setting");
    return settings;
}

// libpwquality's verdict on a (folded) password for a user name; raises for the names.
// The local part is looked for in each of its forms (local_part_forms), the full name
// joined and word by word.
void check_names(const Secret& password, const Secret& local, const Secret& name, const char* argument) {
    const Settings settings = names_settings(name);
    const std::string arg(argument);
    std::vector<std::string> users = local_part_forms(local.view());
    const std::size_t name_index = users.size();
    users.push_back(joined(name.view()));
    for (std::size_t i = 0; i < users.size(); i++) {
        const int verdict = pwquality_check(settings.get(), password.view().data(), nullptr,
                                            users[i].c_str(), nullptr);
        if (verdict >= 0) continue;
        switch (verdict) {
            case PWQ_ERROR_USER_CHECK:
                if (i != name_index) throw Error(ErrorKind::invalid_value, arg + " contains the email's local part");
                [[fallthrough]];
            case PWQ_ERROR_BAD_WORDS:
                throw Error(ErrorKind::invalid_value, arg + " contains the full name");
            case PWQ_ERROR_PALINDROME:
                throw Error(ErrorKind::invalid_value, arg + " is too weak: it is a palindrome");
            case PWQ_ERROR_MIN_LENGTH:
            case PWQ_ERROR_EMPTY_PASSWORD:
                throw Error(ErrorKind::invalid_value, arg + " is too weak: it is WAY too short");
            default:
                throw Error(ErrorKind::internal, "libpwquality could not check " + arg);
        }
    }
}

// True when cracklib can open the dictionary (its three files).
bool dictionary_readable(const std::string& dictionary) {
    for (const char* suffix : {".pwd", ".pwi", ".hwm"})
        if (!std::ifstream(dictionary + suffix).good()) return false;
    return true;
}

// cracklib's verdict, with the user's names as its "user" and "gecos" (FascistCheckUser)
// instead of the server's own passwd entry, which libpwquality's dictcheck would look up
// (FascistCheck calls getpwuid(getuid()): a server whose uid has no passwd entry would
// refuse every password, and passwords like the OS account's name would be refused).
void check_dictionary(const Secret& password, const Secret& local, const Secret& name, const char* argument,
                      const std::string& dictionary) {
    const std::string arg(argument);
    if (!dictionary_readable(dictionary))
        throw Error(ErrorKind::internal, "the password dictionary " + dictionary + " cannot be read",
                    "Install Debian's cracklib-runtime (it builds the dictionary), or set "
                    "auth.password_check = none.");
    const char* reason = FascistCheckUser(password.view().data(), dictionary.c_str(), local.view().data(),
                                          name.view().data());
    if (reason == nullptr) return;
    std::string text(reason);
    if (!text.empty() && text.back() == '.') text.pop_back();
    if (text == "it is based on your username")
        throw Error(ErrorKind::invalid_value, arg + " contains the email's local part");
    if (text.find("password entry") != std::string::npos)
        throw Error(ErrorKind::invalid_value, arg + " contains the full name");
    if (text == "error loading dictionary")
        throw Error(ErrorKind::internal, "the password dictionary " + dictionary + " cannot be read");
    throw Error(ErrorKind::invalid_value, arg + " is too weak: " + text);
}

}  // namespace

void check_password_quality(std::string_view password, const PasswordOwner& owner, const char* argument,
                            const std::string& dictionary) {
    const Secret typed(password);  // NUL-terminated for the C libraries
    const Secret folded_password = folded(password);
    const Secret local = folded(local_part(owner.email));
    const Secret name = folded(owner.full_name);
    check_dictionary(typed, local, name, argument, dictionary);  // cracklib's own verdict first
    check_names(folded_password, local, name, argument);
}

std::string default_dictionary_path() { return GetDefaultCracklibDict(); }

}  // namespace auth::core
