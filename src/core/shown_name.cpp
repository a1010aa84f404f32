#include "core/shown_name.h"

#include <cstdint>

#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

constexpr std::size_t kMaxShownChars = 64;
constexpr std::size_t kCutChars = 61;

// One character of the name: how many bytes it takes, and its code point
// (0xFFFFFFFF for a byte that starts no valid UTF-8 character).
struct Character {
    std::size_t size;
    std::uint32_t code_point;
};

constexpr std::uint32_t kInvalid = 0xFFFFFFFF;

Character next_character(std::string_view text, std::size_t at) noexcept {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    const unsigned char lead = byte(0);
    std::size_t size;
    std::uint32_t code_point;
    std::uint32_t min;
    if (lead < 0x80) return {1, lead};
    if ((lead & 0xE0) == 0xC0) {
        size = 2, code_point = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        size = 3, code_point = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        size = 4, code_point = lead & 0x07, min = 0x10000;
    } else {
        return {1, kInvalid};
    }
    if (at + size > text.size()) return {1, kInvalid};
    for (std::size_t i = 1; i < size; i++) {
        if ((byte(i) & 0xC0) != 0x80) return {1, kInvalid};
        code_point = (code_point << 6) | (byte(i) & 0x3F);
    }
    if (code_point < min || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
        return {1, kInvalid};
    return {size, code_point};
}

// What auth.shown replaces by '?': C0 controls but NUL, DEL, C1 controls, U+2028, U+2029.
bool hidden(std::uint32_t code_point) noexcept {
    return code_point == kInvalid || (code_point >= 0x01 && code_point <= 0x1F) ||
           (code_point >= 0x7F && code_point <= 0x9F) || code_point == 0x2028 ||
           code_point == 0x2029;
}

std::size_t count_characters(std::string_view text) noexcept {
    std::size_t count = 0;
    for (std::size_t at = 0; at < text.size(); count++) at += next_character(text, at).size;
    return count;
}

// Appends bytes to out while they fit (one byte is kept for the NUL).
struct Writer {
    char* out;
    std::size_t capacity;
    std::size_t length;

    void put(const char* bytes, std::size_t size) noexcept {
        for (std::size_t i = 0; i < size && length + 1 < capacity; i++) out[length++] = bytes[i];
    }
};

}  // namespace

std::size_t shown_name(std::string_view name, char* out, std::size_t capacity) noexcept {
    if (capacity == 0) return 0;
    Writer writer{out, capacity, 0};
    const std::size_t shown_chars =
        count_characters(name) > kMaxShownChars ? kCutChars : kMaxShownChars;
    writer.put("\"", 1);
    std::size_t at = 0;
    for (std::size_t n = 0; n < shown_chars && at < name.size(); n++) {
        const Character c = next_character(name, at);
        if (hidden(c.code_point))
            writer.put("?", 1);
        else
            writer.put(name.data() + at, c.size);
        at += c.size;
    }
    if (at < name.size()) writer.put("...", 3);
    writer.put("\"", 1);
    out[writer.length] = '\0';
    return writer.length;
}

}  // namespace auth::core
