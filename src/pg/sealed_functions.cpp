// SQL entry points for secrets at rest (internal: schema auth, the owner's alone):
// auth.seal and auth.unseal, through src/core/sealed and the server key file.
// Context strings name a value's place: '<table>:<row key>' (src/sql/35_sealed.sql).
#include "pg/postgres_headers.h"

#include <string>

#include "core/error.h"
#include "core/sealed.h"
#include "core/secret.h"
#include "pg/border.h"
#include "pg/server_key.h"
#include "pg/values.h"

using namespace auth;
namespace sealed = core::sealed;

// auth.seal(plaintext bytea, context text) RETURNS bytea: the plaintext sealed under
// the server key file's newest key, bound to context.
AUTH_SQL_FUNCTION(auth_seal) {
    const pg::TextArg plaintext = pg::text_arg(fcinfo, 0);
    const pg::TextArg context = pg::text_arg(fcinfo, 1);
    pg::prepare_server_keys();
    const pg::WipeOnExit wipe(plaintext);
    const std::string value = pg::seal_value(plaintext.view(), context.view());
    return pg::bytea_datum(reinterpret_cast<const unsigned char*>(value.data()), value.size());
}

// auth.unseal(sealed bytea, context text) RETURNS bytea: the plaintext of a value sealed
// with this context. 22023 for bytes that are no sealed value, 55000 when the key file
// lacks the key it names, XX001 when it does not open (altered, or another place's).
AUTH_SQL_FUNCTION(auth_unseal) {
    const pg::TextArg value = pg::text_arg(fcinfo, 0);
    const pg::TextArg context = pg::text_arg(fcinfo, 1);
    pg::prepare_server_keys();
    std::string plaintext;
    pg::open_sealed(value.view(), context.view(), plaintext);
    const core::ScopedWipe wipe_plaintext(plaintext.data(), plaintext.size());
    return pg::bytea_datum(reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size());
}

// auth.add_server_key() RETURNS text: appends a new key to the server key file and
// returns its id; from now on every backend seals with it (auth.rotate_server_key
// re-seals what is stored).
AUTH_SQL_FUNCTION(auth_add_server_key) {
    pg::prepare_server_keys();
    return pg::text_datum(pg::add_server_key());
}
