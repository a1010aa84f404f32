-- JWTs for single sign-on: signed from a session, verified here or by any service with
-- the published keys (auth_jwks). Signing and verification are C++ (src/core/jwt.cpp);
-- this file keeps the keys and builds the claims.

CREATE FUNCTION auth.new_signing_secret(algorithm text) RETURNS bytea
    LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'auth_new_signing_secret';
CREATE FUNCTION auth.signing_public_key(algorithm text, secret bytea) RETURNS bytea
    LANGUAGE C IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'auth_signing_public_key';
CREATE FUNCTION auth.jwt_sign(algorithm text, kid text, claims text, secret bytea) RETURNS text
    LANGUAGE C IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'auth_jwt_sign';
CREATE FUNCTION auth.jwt_key_id(jwt text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_jwt_key_id';
CREATE FUNCTION auth.jwt_verified_claims(jwt text, algorithm text, key bytea, now timestamptz) RETURNS text
    LANGUAGE C IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'auth_jwt_verified_claims';
CREATE FUNCTION auth.public_jwk(kid text, public_key bytea) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_public_jwk';
-- The settings auth.jwt_algorithm, auth.jwt_issuer and auth.jwt_role_claim.
CREATE FUNCTION auth.jwt_algorithm() RETURNS text
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_jwt_algorithm';
CREATE FUNCTION auth.jwt_issuer() RETURNS text
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_jwt_issuer';
CREATE FUNCTION auth.jwt_role_claim() RETURNS text
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_jwt_role_claim';

-- The longest a JWT may live, and so how long a retired key keeps verifying: the verify
-- path and auth_jwks ignore a key retired longer ago, whether or not a later rotation
-- has deleted its row yet.
CREATE FUNCTION auth.jwt_max_ttl() RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT interval '1 day' $$;

-- Key secrets are sealed under the server key (35_sealed.sql), bound to their kid.
CREATE FUNCTION auth.signing_key_context(kid text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT 'auth.signing_keys:' || kid $$;

-- Makes a new current key of p_algorithm and retires the current one, whatever its
-- algorithm (so retired_at records when a key stopped signing); returns the new kid.
-- With p_only_if_missing, when the current key is already of p_algorithm (another
-- transaction made it while this one waited), returns that one instead. Keys retired
-- longer ago than a token can live are deleted.
-- Generic plans only: a custom plan of the INSERT would carry the new secret as a
-- constant, which auto_explain (log_nested_statements, log_verbose) writes to the log.
CREATE FUNCTION auth.add_signing_key(p_algorithm text, p_only_if_missing boolean) RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    secret bytea;
    new_kid text;
BEGIN
    -- Rotations one at a time (readers are not blocked): a second one waits, then sees
    -- (read committed) the key the first made.
    LOCK TABLE auth.signing_keys IN SHARE ROW EXCLUSIVE MODE;
    IF p_only_if_missing THEN
        SELECT k.kid INTO new_kid FROM auth.signing_keys k
        WHERE k.retired_at IS NULL AND k.algorithm = p_algorithm;
        IF new_kid IS NOT NULL THEN
            RETURN new_kid;
        END IF;
    END IF;
    UPDATE auth.signing_keys k
    SET retired_at = statement_timestamp(),
        sealed_secret = CASE WHEN k.algorithm = 'EdDSA' THEN NULL ELSE k.sealed_secret END
    WHERE k.retired_at IS NULL;
    secret := auth.new_signing_secret(p_algorithm);
    new_kid := left(auth.new_token(), 22);   -- 128 random bits, URL-safe
    BEGIN
        INSERT INTO auth.signing_keys (kid, algorithm, public_key, sealed_secret)
        VALUES (new_kid, p_algorithm, auth.signing_public_key(p_algorithm, secret),
                auth.seal(secret, auth.signing_key_context(new_kid)));
    EXCEPTION WHEN unique_violation THEN
        -- Under REPEATABLE READ the key another transaction just made is invisible here.
        RAISE EXCEPTION 'another transaction made a signing key at the same time'
            USING ERRCODE = 'serialization_failure', HINT = 'Retry the transaction.';
    END;
    -- Keys retired longer ago than a token can live verify nothing any more.
    DELETE FROM auth.signing_keys k WHERE k.retired_at <= statement_timestamp() - auth.jwt_max_ttl();
    RETURN new_kid;
END
$$;

-- A key inserted as current retires the current one, however it arrives. add_signing_key
-- does so itself first; this trigger (src/sql/80_install_only.sql) is for rows a restore
-- brings: pg_restore's COPY of the dumped current key retires the one CREATE EXTENSION
-- made (its EdDSA secret dropped), and the dumped key signs again.
CREATE FUNCTION auth.signing_key_inserted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE auth.signing_keys k
    SET retired_at = statement_timestamp(),
        sealed_secret = CASE WHEN k.algorithm = 'EdDSA' THEN NULL ELSE k.sealed_secret END
    WHERE k.retired_at IS NULL AND k.kid <> NEW.kid;
    RETURN NEW;
END
$$;

-- The key that signs now: the current key when it is of auth.jwt_algorithm; else a new
-- key of that algorithm is made (retiring the current one), so an HS256 secret exists
-- only once HS256 is configured and used. In a read-only transaction, with no key of
-- that algorithm: 55000.
CREATE FUNCTION auth.current_signing_key() RETURNS auth.signing_keys
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    signing_key auth.signing_keys;
    v_algorithm text := auth.jwt_algorithm();
    new_kid text;
BEGIN
    SELECT k.* INTO signing_key FROM auth.signing_keys k
    WHERE k.retired_at IS NULL AND k.algorithm = v_algorithm;
    IF signing_key.kid IS NULL THEN
        IF current_setting('transaction_read_only')::boolean THEN
            RAISE EXCEPTION 'no % signing key yet, and this transaction is read-only', v_algorithm
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Issue a token, or call auth_rotate_signing_key(), on the primary under this algorithm: that makes the key.';
        END IF;
        new_kid := auth.add_signing_key(v_algorithm, true);
        SELECT k.* INTO STRICT signing_key FROM auth.signing_keys k WHERE k.kid = new_kid;
    END IF;
    RETURN signing_key;
END
$$;

-- auth_issue_jwt (client): a signed JWT for the session's user in one product, or NULL
-- when the session is not valid, is bound to another product, or the user is not
-- active, or not an active member of the product. A session bound to no product (a
-- sign-in service's) signs for any product, but only for an unconfined caller; a
-- confined client names only its products (else 42501). The audience (aud) is the
-- product. ttl is counted in seconds (interval '1 month' is 30 days, whatever the
-- months), 1 s to 1 day. Times are the statement's (iat, exp), as auth_session_user
-- reads them. Generic plans only: the session token is a variable of its queries.
CREATE FUNCTION auth.issue_jwt(p_caller regrole, p_session_token text, p_product text, p_ttl interval)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    session record;
    v_product_id bigint;
    signing_key auth.signing_keys;
    issued_at bigint := floor(extract(epoch FROM statement_timestamp()));
    lifetime numeric;
    claims jsonb;
    role_claim text := auth.jwt_role_claim();
BEGIN
    IF p_product IS NULL THEN
        RAISE EXCEPTION 'product must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    v_product_id := auth.client_product_id(p_caller, products, p_product);
    IF p_ttl IS NULL THEN
        RAISE EXCEPTION 'ttl must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    lifetime := extract(epoch FROM p_ttl);
    IF lifetime < 1 OR lifetime > extract(epoch FROM auth.jwt_max_ttl()) THEN
        RAISE EXCEPTION 'ttl must be between 1 second and 1 day'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An interval is counted in seconds: a month is 30 days.';
    END IF;
    lifetime := floor(lifetime);

    -- The session, by the rules of auth_session_user (which also refreshes last_used_at).
    IF @extschema@.auth_session_user(p_session_token) IS NULL THEN
        RETURN NULL;
    END IF;
    -- The user must be active: auth_session_user relies on deactivation ending sessions
    -- (src/sql/62_session_rules.sql); a session that survived one signs nothing.
    SELECT s.id, s.user_id, s.product_id, s.aal, s.amr, u.email INTO session
    FROM auth.user_sessions s JOIN auth.users u ON u.id = s.user_id
    WHERE s.token_hash = auth.token_digest(p_session_token) AND s.revoked_at IS NULL AND u.is_active;
    IF session.id IS NULL THEN
        RETURN NULL;
    END IF;
    -- A session bound to a product is never used for another; one bound to none only by
    -- an unconfined caller (a sign-in service).
    IF v_product_id IS NULL OR session.product_id <> v_product_id
       OR (session.product_id IS NULL AND products IS NOT NULL)
       OR NOT auth.member_of_product(session.user_id, v_product_id) THEN
        RETURN NULL;
    END IF;
    -- A product that requires a second factor gets tokens from aal2 sessions only.
    IF session.aal <> 'aal2' AND auth.product_requires_mfa(v_product_id) THEN
        RETURN NULL;
    END IF;

    signing_key := auth.current_signing_key();

    WITH effective AS (SELECT e.tenant, e.role FROM auth.effective_roles(session.user_id, v_product_id) e)
    SELECT jsonb_build_object(
        'iss', auth.jwt_issuer(),
        'sub', session.user_id::text,
        'email', session.email,
        'aud', p_product,
        'product', p_product,
        'roles', coalesce((SELECT jsonb_agg(DISTINCT e.role) FROM effective e WHERE e.tenant IS NULL), '[]'),
        'tenant_roles', coalesce((SELECT jsonb_object_agg(t.tenant, t.roles)
                                  FROM (SELECT e.tenant, jsonb_agg(DISTINCT e.role) AS roles
                                        FROM effective e WHERE e.tenant IS NOT NULL
                                        GROUP BY e.tenant) t), '{}'),
        'sid', session.id::text,
        'aal', session.aal,
        'amr', to_jsonb(session.amr),
        'iat', issued_at,
        'exp', issued_at + lifetime)
    INTO claims;
    IF role_claim <> '' THEN
        claims := claims || jsonb_build_object('role', role_claim);
    END IF;
    RETURN auth.jwt_sign(signing_key.algorithm, signing_key.kid, claims::text,
                         auth.unseal(signing_key.sealed_secret, auth.signing_key_context(signing_key.kid)));
END
$$;
CREATE FUNCTION auth_issue_jwt(session_token text, product text, ttl interval DEFAULT '15 minutes')
    RETURNS text LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_issue_jwt(text, text, interval) IS
    'a signed JWT for the session''s user in the product, or NULL when the session or membership is not valid';
REVOKE ALL ON FUNCTION auth_issue_jwt(text, text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_issue_jwt(text, text, interval) TO auth_client, auth_admin;

-- auth_verify_jwt (client): the claims of a token this database signed, while its
-- signature, algorithm, issuer and expiry check out; NULL for anything else, never an
-- error. Read-only. A confined client gets NULL for a token whose audience is not one
-- of its products (a token from before 0.2.0 has no aud: its product claim counts).
-- Only a key that is current, or was less than auth.jwt_max_ttl() (a day) ago, verifies:
-- keys of another algorithm than auth.jwt_algorithm are kept only for that day after a
-- switch (add_signing_key retires them), and an HS256 secret exists only where HS256 was
-- configured. Expiry and key retirement are judged at the statement's start. Generic
-- plans only: the token is a variable of its query.
CREATE FUNCTION auth.verify_jwt(p_caller regrole, p_jwt text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    signing_key auth.signing_keys;
    claims jsonb;
BEGIN
    SELECT k.* INTO signing_key FROM auth.signing_keys k
    WHERE k.kid = auth.jwt_key_id(p_jwt)
      AND (k.retired_at IS NULL OR k.retired_at > statement_timestamp() - auth.jwt_max_ttl());
    IF signing_key.kid IS NULL THEN
        RETURN NULL;
    END IF;
    -- The key's algorithm, never the token's: EdDSA keys verify with their public key.
    claims := auth.jwt_verified_claims(p_jwt, signing_key.algorithm,
                                       CASE signing_key.algorithm
                                           WHEN 'EdDSA' THEN signing_key.public_key
                                           ELSE auth.unseal(signing_key.sealed_secret,
                                                            auth.signing_key_context(signing_key.kid)) END,
                                       statement_timestamp())::jsonb;
    IF claims->>'iss' IS DISTINCT FROM auth.jwt_issuer() THEN
        RETURN NULL;
    END IF;
    IF products IS NOT NULL AND NOT EXISTS (
           SELECT FROM auth.products p
           WHERE p.id = ANY (products)
             AND p.name = CASE WHEN claims ? 'aud' THEN
                                   CASE jsonb_typeof(claims->'aud') WHEN 'string' THEN claims->>'aud' END
                               ELSE claims->>'product' END) THEN
        RETURN NULL;
    END IF;
    RETURN claims;
END
$$;

CREATE FUNCTION auth_verify_jwt(jwt text) RETURNS jsonb
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_verify_jwt(text) IS
    'the claims of a valid JWT signed here, or NULL';
REVOKE ALL ON FUNCTION auth_verify_jwt(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_verify_jwt(text) TO auth_client, auth_admin;

-- auth_jwks (client): the Ed25519 public keys that verify tokens issued now or still
-- alive, as an RFC 7517 JWK set: the current key first, then the retired ones, the most
-- recently retired first. HS256 secrets are never published. Like every client function
-- it refuses (42501) a client of no product.
CREATE FUNCTION auth.jwks(p_caller regrole) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM auth.require_client(p_caller);
    RETURN (SELECT jsonb_build_object('keys', coalesce(jsonb_agg(auth.public_jwk(k.kid, k.public_key)::jsonb
                                                         ORDER BY k.retired_at DESC NULLS FIRST,
                                                                  k.created_at DESC, k.kid), '[]'))
    FROM auth.signing_keys k
    WHERE k.algorithm = 'EdDSA'
      AND (k.retired_at IS NULL OR k.retired_at > statement_timestamp() - auth.jwt_max_ttl()));
END
$$;

CREATE FUNCTION auth_jwks() RETURNS jsonb
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_jwks() IS 'the public keys that verify this database''s JWTs, as a JWK set';
REVOKE ALL ON FUNCTION auth_jwks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_jwks() TO auth_client, auth_admin;

-- auth_rotate_signing_key (admin): a new key of auth.jwt_algorithm signs from now on; the
-- previous one verifies the tokens it signed until those expire (auth.jwt_max_ttl()
-- after the rotation), then is deleted at a later rotation. Returns the new key id.
CREATE FUNCTION auth.rotate_signing_key(p_caller regrole) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_kid text;
BEGIN
    PERFORM auth.require_admin(p_caller);
    new_kid := auth.add_signing_key(auth.jwt_algorithm(), false);
    PERFORM auth.audit(p_caller, 'signing_key_rotated', NULL, NULL, jsonb_build_object('kid', new_kid));
    RETURN new_kid;
END
$$;

CREATE FUNCTION auth_rotate_signing_key() RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_rotate_signing_key() IS 'a new JWT signing key of auth.jwt_algorithm; the old one verifies until its tokens expire';
REVOKE ALL ON FUNCTION auth_rotate_signing_key() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_rotate_signing_key() TO auth_admin;
