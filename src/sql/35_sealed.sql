-- Secrets at rest. A secret the extension must read back (a signing key, an outbox token
-- until a mailer claims it, a TOTP secret) is stored sealed: XChaCha20-Poly1305
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

-- Appends a new key to the server key file (it seals from now on); returns its id.
CREATE FUNCTION auth.add_server_key() RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_add_server_key';

-- The id of the server key a sealed value was sealed under (8 hex digits): which lines
-- of the key file the stored values still need.
CREATE FUNCTION auth.sealed_key_id(sealed bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT encode(substr(sealed, 2, 4), 'hex') $$;

-- Rotates the server key (superusers; not granted to any role): a new key is added to
-- the file and every stored sealed value is sealed again under it, so the older keys
-- are needed only for dumps and backups taken before. Holds the tables that keep sealed
-- values while it works. Returns the new key's id. The file change is not transactional:
-- should the transaction roll back, the new key stays in the file, sealing new values,
-- and the old ones still open the rest. A standby needs the new file before it can open
-- values sealed under the new key (docs/operations.md). Every table that holds sealed
-- values is here: signing keys, outbox tokens, TOTP secrets.
CREATE FUNCTION auth.rotate_server_key() RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    new_id text;
BEGIN
    LOCK TABLE auth.signing_keys, auth.outbox, auth.mfa_factors IN SHARE ROW EXCLUSIVE MODE;
    new_id := auth.add_server_key();
    UPDATE auth.signing_keys k
    SET sealed_secret = auth.seal(auth.unseal(k.sealed_secret, auth.signing_key_context(k.kid)),
                                  auth.signing_key_context(k.kid))
    WHERE k.sealed_secret IS NOT NULL;
    UPDATE auth.outbox o
    SET sealed_token = auth.seal(auth.unseal(o.sealed_token, auth.outbox_context(o.id)), auth.outbox_context(o.id))
    WHERE o.sealed_token IS NOT NULL;
    UPDATE auth.mfa_factors f
    SET sealed_secret = auth.seal(auth.unseal(f.sealed_secret, auth.factor_context(f.id)), auth.factor_context(f.id));
    RETURN new_id;
END
$$;
