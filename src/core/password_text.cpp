#include "core/password_text.h"

#include <uninorm.h>
#include <unistr.h>

#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/pure_core_guard.h"

namespace auth::core {
namespace {

// libunistring's result buffer, wiped and freed however the scope ends.
class NormalizedBuffer {
public:
    NormalizedBuffer(uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    NormalizedBuffer(const NormalizedBuffer&) = delete;
    NormalizedBuffer& operator=(const NormalizedBuffer&) = delete;
    ~NormalizedBuffer() {
        if (data_ == nullptr) return;
        wipe(data_, size_);
        std::free(data_);
    }
    std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

private:
    uint8_t* data_;
    std::size_t size_;
};

}  // namespace

Secret normalized_password(std::string_view typed, const char* argument) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(typed.data());
    if (u8_check(bytes, typed.size()) != nullptr)
        throw Error(ErrorKind::invalid_value, std::string(argument) + " is not valid UTF-8");
    if (typed.empty()) return Secret(typed);
    std::size_t length = 0;
    uint8_t* result = u8_normalize(UNINORM_NFKC, bytes, typed.size(), nullptr, &length);
    if (result == nullptr) throw Error(ErrorKind::internal, "Unicode normalisation failed");
    const NormalizedBuffer buffer(result, length);
    return Secret(buffer.view());
}

}  // namespace auth::core
