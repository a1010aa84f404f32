#include "core/secret.h"

#include <sodium.h>

#include "core/pure_core_guard.h"

namespace auth::core {

Secret::Secret(std::string_view value) : value_(value) {}

Secret::~Secret() { wipe(value_.data(), value_.capacity()); }

void wipe(void* data, std::size_t size) noexcept { sodium_memzero(data, size); }

}  // namespace auth::core
