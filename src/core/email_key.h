// One address, one account: the key by which emails are matched and kept unique, and the
// confusable skeleton by which look-alike addresses are told apart, both computed by ICU
// alone (docs/email-addresses.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace auth::core {

// Bound on a key or skeleton in bytes: what NFKC or the confusable mapping may make of a
// 254-character address, kept well under a btree index row's limit (about 2,700 bytes).
inline constexpr std::size_t kMaxEmailKeyBytes = 1016;

// True when the address holds a character that shows nothing: a format character
// (general category Cf: zero-width space and joiners, soft hyphen, bidi controls, ...)
// or a Default_Ignorable_Code_Point (variation selectors, Hangul fillers, ...). Such an
// address is refused where it would be stored. Invalid UTF-8 counts as invisible.
bool email_has_invisible(std::string_view email);

// True when every byte is ASCII (a look-alike is only refused against an address that is
// not all ASCII, so barn@ and bam@ stay two accounts).
bool email_is_ascii(std::string_view email) noexcept;

// The key: ICU's NFKC case fold (NFKC_Casefold) of the address, UTF-8. It folds case and
// compatibility forms (the Kelvin sign and full-width letters give ASCII) and drops
// default-ignorable characters. Nothing for invalid UTF-8, an address over 254
// characters, or a key over kMaxEmailKeyBytes.
std::optional<std::string> email_key(std::string_view email);

// The confusable skeleton (Unicode TS #39, ICU's spoof checker) of the address's key, so
// that two addresses that look alike, whatever their case, share it (a Cyrillic а and a
// Latin a; rn and m). Nothing where email_key gives nothing or the skeleton is over
// kMaxEmailKeyBytes.
std::optional<std::string> email_skeleton(std::string_view email);

}  // namespace auth::core
