#include "core/import_element.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/input_rules.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

using nlohmann::json;

// Throws the contract's 22023 for a field of the wrong JSON type.
[[noreturn]] void wrong_type(const char* field, const char* type) {
    throw Error(ErrorKind::invalid_value, std::string(field) + " must be a JSON " + type);
}

// The string a field holds, nullptr when absent or null; throws when it is another type.
const std::string* text_field(const json& element, const char* field) {
    const auto it = element.find(field);
    if (it == element.end() || it->is_null()) return nullptr;
    if (!it->is_string()) wrong_type(field, "string");
    return &it->get_ref<const std::string&>();
}

}  // namespace

std::optional<std::string> checked_import_element(std::string_view text) {
    const json element = json::parse(text.begin(), text.end(), nullptr, false);
    if (element.is_discarded() || !element.is_object())
        throw Error(ErrorKind::invalid_value, "each element of users must be a JSON object");
    const std::string* email = text_field(element, "email");
    if (email == nullptr) throw Error(ErrorKind::null_value, "email must not be null");
    for (const auto& item : element.items()) {
        const std::string& key = item.key();
        if (key != "email" && key != "password_hash" && key != "full_name" && key != "phone_number" &&
            key != "email_verified" && key != "active" && key != "memberships")
            throw Error(ErrorKind::invalid_value,
                        "an element has a key other than email, password_hash, full_name, phone_number, "
                        "email_verified, active and memberships");
    }
    check_email(*email);
    if (const std::string* name = text_field(element, "full_name"); name && count_characters(*name, "full_name") > 200)
        throw Error(ErrorKind::invalid_value, "full_name must be at most 200 characters");
    if (const std::string* phone = text_field(element, "phone_number");
        phone && count_characters(*phone, "phone_number") > 64)
        throw Error(ErrorKind::invalid_value, "phone_number must be at most 64 characters");
    for (const char* flag : {"active", "email_verified"}) {
        const auto it = element.find(flag);
        if (it != element.end() && !it->is_null() && !it->is_boolean()) wrong_type(flag, "boolean");
    }
    if (const auto it = element.find("memberships"); it != element.end() && !it->is_null() && !it->is_array())
        wrong_type("memberships", "array");
    const std::string* hash = text_field(element, "password_hash");
    if (hash == nullptr) return std::nullopt;
    return *hash;
}

}  // namespace auth::core
