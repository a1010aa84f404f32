// A name as error messages show it, the C twin of auth.shown (src/sql/30_internal.sql):
// in double quotes, cut to 61 characters and "..." when longer than 64, and every
// control character (C0, DEL, C1) or line or paragraph separator shown as '?', so a
// name cannot forge a line of the server log.
#pragma once

#include <cstddef>
#include <string_view>

namespace auth::core {

// Room for any name shown: 64 characters of at most 4 bytes, the quotes and a NUL.
inline constexpr std::size_t kShownNameCapacity = 64 * 4 + 3;

// Writes the shown form of the UTF-8 name into out (NUL-terminated, cut to fit when
// capacity is under kShownNameCapacity); returns its length in bytes. A byte that does
// not start a valid UTF-8 character counts as one character and is shown as '?'.
std::size_t shown_name(std::string_view name, char* out, std::size_t capacity) noexcept;

}  // namespace auth::core
