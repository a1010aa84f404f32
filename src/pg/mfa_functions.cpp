// SQL entry points of the second factors (internal: schema auth, called by the functions
// of src/sql/64_mfa.sql): a new TOTP secret, sealed at once under the server key; the
// check of a code against a sealed secret, opened only inside this call and wiped; and
// recovery codes. Over src/core/totp.h, recovery_code.h and the server key
// (server_key.h). PostgreSQL calls that can raise are made while the frame holds plain
// data only (border.h).
#include "pg/postgres_headers.h"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
}

#include <ctime>
#include <string>

#include "core/recovery_code.h"
#include "core/secret.h"
#include "core/totp.h"
#include "pg/border.h"
#include "pg/server_key.h"
#include "pg/settings.h"
#include "pg/values.h"

using namespace auth;

namespace {

// The blessed descriptor of the function's OUT columns; it raises, so call it first.
TupleDesc out_columns(FunctionCallInfo fcinfo) {
    TupleDesc descriptor = nullptr;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "auth: a function with OUT columns was declared without them");
    return BlessTupleDesc(descriptor);
}

}  // namespace

// auth.max_failed_mfa() RETURNS integer: the setting auth.max_failed_mfa.
AUTH_SQL_FUNCTION(auth_max_failed_mfa) { PG_RETURN_INT32(pg::max_failed_mfa()); }

// auth.mfa_issuer() RETURNS text: the setting auth.mfa_issuer.
AUTH_SQL_FUNCTION(auth_mfa_issuer) { return pg::text_datum(pg::mfa_issuer()); }

// auth.totp_enrollment(issuer text, account text, context text, OUT sealed_secret bytea,
// OUT secret text, OUT uri text): a new 160-bit secret, sealed for context, with the
// base32 form and the otpauth:// URI the user's app takes.
AUTH_SQL_FUNCTION(auth_totp_enrollment) {
    const pg::TextArg issuer = pg::text_arg(fcinfo, 0);
    const pg::TextArg account = pg::text_arg(fcinfo, 1);
    const pg::TextArg context = pg::text_arg(fcinfo, 2);
    const TupleDesc descriptor = out_columns(fcinfo);
    pg::prepare_server_keys();
    Datum values[3];
    bool nulls[3] = {false, false, false};
    {
        const core::Secret raw = core::new_totp_secret();
        const std::string sealed = pg::seal_value(raw.view(), context.view());
        const core::Secret base32 = core::totp_secret_base32(raw.view());
        const core::Secret uri = core::totp_key_uri(issuer.view(), account.view(), base32.view());
        values[0] = pg::bytea_datum(reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size());
        values[1] = pg::text_datum(base32.view());
        values[2] = pg::text_datum(uri.view());
    }
    return HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls));
}

// auth.totp_step(sealed_secret bytea, context text, code text) RETURNS bigint: the time
// step of the current step or one either side whose code is code, else NULL (a NULL or
// malformed code too, after the same work). The secret is opened only here and wiped.
AUTH_SQL_FUNCTION(auth_totp_step) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_NULL();
    const pg::TextArg sealed = pg::text_arg(fcinfo, 0);
    const pg::TextArg context = pg::text_arg(fcinfo, 1);
    const pg::TextArg code = PG_ARGISNULL(2) ? pg::TextArg{"", 0, false} : pg::text_arg(fcinfo, 2);
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    pg::prepare_server_keys();
    const pg::WipeOnExit wipe_code(code);
    std::string raw;
    pg::open_sealed(sealed.view(), context.view(), raw);
    const core::ScopedWipe wipe_raw(raw.data(), raw.size());
    const auto step = core::totp_matching_step(raw, code.view(), now, 1);
    if (!step || PG_ARGISNULL(2)) PG_RETURN_NULL();
    PG_RETURN_INT64(static_cast<int64>(*step));
}

// auth.new_recovery_code() RETURNS text: 120 random bits, "abcd-efgh-ijkl-mnop-qrst-uvwx".
AUTH_SQL_FUNCTION(auth_new_recovery_code) {
    const core::Secret code = core::new_recovery_code();
    return pg::text_datum(code.view());
}

// auth.recovery_code_digest(code text) RETURNS bytea: SHA-256 of the canonical form, or
// NULL for anything no recovery code could be.
AUTH_SQL_FUNCTION(auth_recovery_code_digest) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    const pg::TextArg code = pg::text_arg(fcinfo, 0);
    const auto digest = core::recovery_code_digest(code.view());
    pg::wipe_copy(code);
    if (!digest) PG_RETURN_NULL();
    return pg::bytea_datum(digest->data(), digest->size());
}
