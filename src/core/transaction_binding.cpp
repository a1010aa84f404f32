// The pure rules of auth_begin: see transaction_binding.h.
#include "core/transaction_binding.h"

namespace auth::core {

namespace {

// Whether every character is of base64url's alphabet (no padding).
bool url_safe(std::string_view text) {
    for (const char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

constexpr std::string_view kApiKeyPrefix = "authkey_";
constexpr std::size_t kTokenLength = 43;
constexpr std::size_t kLongestJwt = 16384;  // far over what auth_issue_jwt makes

}  // namespace

// See transaction_binding.h.
CredentialKind credential_kind(std::string_view credential) {
    if (credential.size() == kTokenLength && url_safe(credential)) return CredentialKind::session;
    if (credential.size() == kApiKeyPrefix.size() + kTokenLength &&
        credential.substr(0, kApiKeyPrefix.size()) == kApiKeyPrefix &&
        url_safe(credential.substr(kApiKeyPrefix.size())))
        return CredentialKind::api_key;
    if (credential.size() > kLongestJwt) return CredentialKind::none;
    const std::size_t first = credential.find('.');
    if (first == std::string_view::npos) return CredentialKind::none;
    const std::size_t second = credential.find('.', first + 1);
    if (second == std::string_view::npos) return CredentialKind::none;
    const std::string_view header = credential.substr(0, first);
    const std::string_view payload = credential.substr(first + 1, second - first - 1);
    const std::string_view signature = credential.substr(second + 1);
    if (header.empty() || payload.empty() || signature.empty()) return CredentialKind::none;
    if (!url_safe(header) || !url_safe(payload) || !url_safe(signature)) return CredentialKind::none;
    return CredentialKind::jwt;
}

// See transaction_binding.h.
std::string_view credential_kind_name(CredentialKind kind) {
    switch (kind) {
        case CredentialKind::session: return "session";
        case CredentialKind::api_key: return "api_key";
        case CredentialKind::jwt: return "jwt";
        case CredentialKind::none: break;
    }
    return {};
}

// See transaction_binding.h.
bool credential_binds(const BindingFacts& facts) {
    if (facts.credential_product != facts.asked_product) return false;
    if (facts.asked_product && facts.product_requires_mfa && !facts.aal2) return false;
    if (facts.tenant_asked && (!facts.asked_product || !facts.tenant_membership_active)) return false;
    return true;
}

// See transaction_binding.h.
SavedBindingStep saved_binding_step(int saved_level, int level_below, int ending_level, bool commit) {
    if (saved_level < ending_level) return SavedBindingStep::keep;
    if (!commit) return SavedBindingStep::restore;
    return level_below == ending_level - 1 ? SavedBindingStep::drop : SavedBindingStep::move_up;
}

}  // namespace auth::core
