#include "pg/postgres_headers.h"

#include "pg/values.h"

extern "C" {
#include "utils/memutils.h"
}

#include <cstring>
#include <new>

#include "core/secret.h"

namespace auth::pg {
namespace {

// A varlena of `size` payload bytes, allocated without the chance of a longjmp.
struct varlena* new_varlena(const void* bytes, std::size_t size) {
    if (size > MaxAllocSize - VARHDRSZ) throw std::bad_alloc();
    auto* result = static_cast<struct varlena*>(palloc_extended(size + VARHDRSZ, MCXT_ALLOC_NO_OOM));
    if (result == nullptr) throw std::bad_alloc();
    SET_VARSIZE(result, size + VARHDRSZ);
    std::memcpy(VARDATA(result), bytes, size);
    return result;
}

}  // namespace

TextArg text_arg(FunctionCallInfo fcinfo, int n) {
    struct varlena* original = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(n));
    const bool is_copy = reinterpret_cast<Pointer>(original) != DatumGetPointer(PG_GETARG_DATUM(n));
    return {VARDATA_ANY(original), VARSIZE_ANY_EXHDR(original), is_copy};
}

void wipe_copy(const TextArg& arg) {
    if (arg.is_copy) core::wipe(const_cast<char*>(arg.data), arg.size);
}

Datum text_datum(std::string_view bytes) {
    return PointerGetDatum(new_varlena(bytes.data(), bytes.size()));
}

Datum bytea_datum(const unsigned char* bytes, std::size_t size) {
    return PointerGetDatum(new_varlena(bytes, size));
}

}  // namespace auth::pg
