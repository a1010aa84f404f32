#include "core/email_key.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include "core/error.h"
#include "core/input_rules.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

// The address as UTF-16 for ICU, or nothing when it is not valid UTF-8 or is over the
// contract's 254 characters.
std::optional<icu::UnicodeString> address_text(std::string_view email) {
    std::size_t chars = 0;
    for (int32_t i = 0, n = static_cast<int32_t>(email.size()); i < n;) {
        UChar32 c;
        U8_NEXT(email.data(), i, n, c);
        if (c < 0 || ++chars > kMaxEmailChars) return std::nullopt;
    }
    return icu::UnicodeString::fromUTF8(
        icu::StringPiece(email.data(), static_cast<int32_t>(email.size())));
}

// UTF-8 of an ICU string, or nothing when over kMaxEmailKeyBytes.
std::optional<std::string> bounded_utf8(const icu::UnicodeString& text) {
    std::string out;
    text.toUTF8String(out);
    if (out.size() > kMaxEmailKeyBytes) return std::nullopt;
    return out;
}

// NFKC_Casefold of valid text; an ICU failure is an internal error, not a user's.
icu::UnicodeString folded(const icu::UnicodeString& text) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* fold = icu::Normalizer2::getNFKCCasefoldInstance(status);
    icu::UnicodeString out;
    if (U_SUCCESS(status)) out = fold->normalize(text, status);
    if (U_FAILURE(status))
        throw Error(ErrorKind::internal,
                    std::string("ICU could not fold an email: ") + u_errorName(status));
    // The ideographic full stop separates domain labels as a dot does (UTS #46 maps it,
    // and the full-width and half-width stops that NFKC leaves as it, to "."): mail to
    // kate@example。com reaches kate@example.com.
    out.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x3002)), icu::UnicodeString(static_cast<UChar32>('.')));
    return out;
}

// The process's spoof checker, opened at first use and kept: opening loads ICU's
// confusable data, and a checker that is only read from may be shared.
const USpoofChecker* spoof_checker() {
    static const USpoofChecker* checker = [] {
        UErrorCode status = U_ZERO_ERROR;
        USpoofChecker* opened = uspoof_open(&status);
        if (U_FAILURE(status))
            throw Error(ErrorKind::internal,
                        std::string("ICU's spoof checker did not open: ") + u_errorName(status));
        return opened;
    }();
    return checker;
}

}  // namespace

bool email_has_invisible(std::string_view email) {
    for (int32_t i = 0, n = static_cast<int32_t>(email.size()); i < n;) {
        UChar32 c;
        U8_NEXT(email.data(), i, n, c);
        if (c < 0 || u_charType(c) == U_FORMAT_CHAR ||
            u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
            return true;
    }
    return false;
}

bool email_is_ascii(std::string_view email) noexcept {
    for (const char byte : email)
        if (static_cast<unsigned char>(byte) > 0x7F) return false;
    return true;
}

std::optional<std::string> email_key(std::string_view email) {
    const auto text = address_text(email);
    if (!text) return std::nullopt;
    return bounded_utf8(folded(*text));
}

std::optional<std::string> email_skeleton(std::string_view email) {
    const auto text = address_text(email);
    if (!text) return std::nullopt;
    const icu::UnicodeString key = folded(*text);
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString skeleton;
    uspoof_getSkeletonUnicodeString(spoof_checker(), 0, key, skeleton, &status);
    if (U_FAILURE(status))
        throw Error(ErrorKind::internal,
                    std::string("ICU gave no skeleton for an email: ") + u_errorName(status));
    if (!bounded_utf8(key)) return std::nullopt;
    return bounded_utf8(skeleton);
}

}  // namespace auth::core
