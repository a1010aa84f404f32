-- Secrets at rest. A secret the extension must read back (a signing key, an outbox token
-- until a mailer claims it; TOTP secrets later) is stored sealed: XChaCha20-Poly1305
-- under the server key, a file in the data directory that only the server's OS user
-- reads (src/pg/server_key.cpp). Members of pg_read_all_data and pg_dump see ciphertext.
-- Each value is bound to its place by a context, '<table>:<row key>' (for example
-- 'auth.signing_keys:<kid>', 'auth.outbox:<id>'), so a value copied to another row or
-- table does not open there. Internal: the owner's alone (90_privileges.sql). Callers
-- hold the plaintext in variables only, under plan_cache_mode = force_generic_plan, so
-- no plan carries it as a constant into the log.

-- The plaintext sealed under the newest server key, bound to context.
CREATE FUNCTION auth.seal(plaintext bytea, context text) RETURNS bytea
    LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'auth_seal';
-- The plaintext of a value sealed with this context; 55000 or 58P01 with a hint when
-- the key file is missing or lacks the value's key, XX001 when it does not open.
CREATE FUNCTION auth.unseal(sealed bytea, context text) RETURNS bytea
    LANGUAGE C STABLE STRICT AS 'MODULE_PATHNAME', 'auth_unseal';
