#include "core/breach_digest.h"

#include <openssl/evp.h>

#include "core/error.h"
#include "core/pure_core_guard.h"

namespace auth::core {

BreachDigest breach_digest(std::string_view bytes) {
    BreachDigest digest{};
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha1(), nullptr) != 1 ||
        size != digest.size())
        throw Error(ErrorKind::internal, "SHA-1 digest failed");
    return digest;
}

}  // namespace auth::core
