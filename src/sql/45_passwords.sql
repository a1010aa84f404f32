-- Passwords: the one password check of logins and verifications (equal work, lockout,
-- rehash on success), imports from other systems, changes, resets, email verification,
-- and the operator's actions on an account.

-- Every function below that handles a password, a hash or a token runs its statements
-- with generic plans (plan_cache_mode = force_generic_plan): a custom plan would inline
-- the values of PL/pgSQL variables as constants, and auto_explain (log_verbose) or any
-- plan logging would then print them. Generic plans show $n instead.
-- The SECURITY DEFINER implementations of the public functions that receive a secret
-- (a password, token, key, code or verifier) also run with log_min_error_statement =
-- panic and log_parameter_max_length_on_error = 0: an error raised while they run is
-- logged without the calling statement's text and bind parameters, whatever a database
-- owner or the client set (the client's literal included). Their SET clauses are applied
-- with the owner's rights. C functions call keep_statement_out_of_error_log()
-- (src/pg/error_log.h) before they raise.
-- Times that decide a lockout or a token's life are clock_timestamp(), not now(): the
-- transaction may have started long before the call.

-- C++ helpers (src/pg/password_functions.cpp, setting_functions.cpp).

CREATE FUNCTION auth.rehash_password(password text) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_rehash_password';
COMMENT ON FUNCTION auth.rehash_password(text) IS
    'Argon2id at the current cost of a password just verified (no length policy)';

CREATE FUNCTION auth.hash_needs_rehash(stored_hash text, imported boolean) RETURNS boolean
    LANGUAGE C STABLE STRICT AS 'MODULE_PATHNAME', 'auth_hash_needs_rehash';
COMMENT ON FUNCTION auth.hash_needs_rehash(text, boolean) IS
    'true for an imported hash, or one not Argon2id at the current auth.pwhash_* cost';

CREATE FUNCTION auth.checked_import_hash(password_hash text) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_checked_import_hash';
COMMENT ON FUNCTION auth.checked_import_hash(text) IS
    'the format of a hash auth_import_user accepts, else 22004/22023 without echoing it';

CREATE FUNCTION auth.hash_format(password_hash text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_hash_format';
COMMENT ON FUNCTION auth.hash_format(text) IS 'the algorithm a hash names (for audit rows), or NULL';

CREATE FUNCTION auth.check_new_password(password text, argument text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_check_new_password';
COMMENT ON FUNCTION auth.check_new_password(text, text) IS
    'the length policy of a new password, without hashing it';

CREATE FUNCTION auth.hashes_running() RETURNS integer
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_hashes_running';
COMMENT ON FUNCTION auth.hashes_running() IS 'password hashes running now in the whole server';

CREATE FUNCTION auth.hash_over_bound(password_hash text) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_hash_over_bound';
COMMENT ON FUNCTION auth.hash_over_bound(text) IS
    'true when checking a password against this hash could cost more than the bound (about a second, 256 MiB)';

CREATE FUNCTION auth.hashes_waiting() RETURNS integer
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_hashes_waiting';
COMMENT ON FUNCTION auth.hashes_waiting() IS 'callers waiting now for a password hash slot in the whole server';

CREATE FUNCTION auth.reset_token_ttl() RETURNS interval
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_reset_token_ttl';

-- Raises 25006 in a READ ONLY transaction or on a standby: the function must write.
CREATE FUNCTION auth.require_writable(function_name text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('transaction_read_only') = 'on' THEN
        RAISE EXCEPTION '% needs a writable transaction', function_name
            USING ERRCODE = 'read_only_sql_transaction',
                  HINT = 'Call it on the primary, outside a READ ONLY transaction.';
    END IF;
END
$$;

-- The password check of auth_login, auth_verify_password and auth_change_password. The
-- user is named by id, or by email when p_user_id is NULL. The same Argon2id work is
-- done whatever is wrong (unknown user, no hash, inactive, locked, wrong password), so
-- the time says nothing. The decision is taken after the hash, on the user's row read
-- again and the lock as committed now (auth.failure_state: the latest snapshot, so a
-- REPEATABLE READ client sees the lock its own failures caused): a lockout, deactivation
-- or password change that happened during the hash counts. No row lock is taken, so no
-- check waits on another client's open transaction.
-- Every failure of a user the client may see is recorded by the failure recorder
-- (src/sql/42_lockout.sql), outside the caller's transaction, before this returns: the
-- audit row p_event with p_detail and the reason, and for a wrong password one more
-- failure toward auth.max_failed_logins (failures while locked are not counted). An
-- unknown user's failure is audited with no user (and nothing counted), the same round
-- trip. A right password clears the count (even when the caller then refuses for
-- another reason, such as a missing membership). A success clears the
-- count; when p_writable and p_rehash, an imported hash or one at another cost is
-- replaced by Argon2id at the current cost, if the row is free and still holds the hash
-- checked (else the next success does it).
-- A user the client may not see (p_products, see auth.sees_user) is an unknown user:
-- the same work, and nothing counted against that user.
CREATE FUNCTION auth.authenticate(p_caller regrole, p_user_id bigint, p_email text, p_password text,
                                  p_writable boolean, p_rehash boolean, p_products bigint[],
                                  p_event text, p_product_id bigint, p_detail jsonb,
                                  OUT user_row auth.users, OUT failure text)
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    before auth.users;
    password_ok boolean;
    lock_state record;
    new_hash text;
    rehashed bigint;
BEGIN
    IF p_user_id IS NOT NULL THEN
        SELECT u.* INTO before FROM auth.users u WHERE u.id = p_user_id;
    ELSIF length(p_email) <= 254 THEN
        before := auth.user_by_email(p_email);
    END IF;
    IF before.id IS NOT NULL AND NOT auth.sees_user(p_products, before.id) THEN
        before := NULL;
    END IF;

    password_ok := auth.password_matches(p_password, before.password_hash,
                                         coalesce(before.password_imported, false));

    IF before.id IS NOT NULL THEN
        SELECT u.* INTO user_row FROM auth.users u WHERE u.id = before.id;
    END IF;
    lock_state := auth.failure_state(user_row.id, 'password');
    failure := CASE
        WHEN user_row.id IS NULL THEN CASE WHEN p_user_id IS NULL THEN 'unknown_email' ELSE 'unknown_user' END
        WHEN NOT user_row.is_active THEN 'inactive'
        WHEN lock_state.locked_until > clock_timestamp() THEN 'locked'
        WHEN NOT password_ok THEN 'wrong_password'
        WHEN user_row.password_hash IS DISTINCT FROM before.password_hash THEN 'password_changed'
    END;

    IF failure IS NOT NULL THEN
        PERFORM auth.record_failure(p_caller, user_row.id, 'password', failure = 'wrong_password',
                                    p_event, p_product_id,
                                    (coalesce(p_detail, '{}') || jsonb_build_object('reason', failure))::text);
        RETURN;
    END IF;
    IF lock_state.failures > 0 OR lock_state.locked_until IS NOT NULL THEN
        PERFORM auth.clear_failures(user_row.id, 'password');
    END IF;
    IF p_writable AND p_rehash AND auth.hash_needs_rehash(user_row.password_hash, user_row.password_imported) THEN
        new_hash := auth.rehash_password(p_password);
        BEGIN
            UPDATE auth.users u SET password_hash = new_hash, password_imported = false, updated_at = now()
            WHERE u.id = (SELECT l.id FROM auth.users l
                          WHERE l.id = user_row.id AND l.password_hash = user_row.password_hash
                          FOR NO KEY UPDATE SKIP LOCKED)
            RETURNING u.id INTO rehashed;
        EXCEPTION WHEN serialization_failure THEN
            rehashed := NULL;   -- changed since this transaction's snapshot: the next success
        END;
        IF rehashed IS NOT NULL THEN
            PERFORM auth.audit(p_caller, 'password_rehashed', user_row.id, NULL,
                               jsonb_build_object('from', auth.hash_format(user_row.password_hash),
                                                  'imported', user_row.password_imported));
            user_row.password_hash := new_hash;
            user_row.password_imported := false;
        END IF;
    END IF;
END
$$;

-- Mails a new single-use token of one purpose to the user through the outbox; earlier
-- unused tokens of that purpose for the user (and their mails not yet claimed), and
-- expired ones, are dropped. Only the
-- token's digest stays here; the token itself waits in the outbox for a mailer.
CREATE FUNCTION auth.send_account_token(p_caller regrole, p_user auth.users, p_purpose text,
                                        p_product_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    token text := auth.new_token();
    new_id bigint;
    issued timestamptz := clock_timestamp();
    ends timestamptz := issued + auth.reset_token_ttl();
BEGIN
    DELETE FROM auth.account_tokens t
    WHERE t.user_id = p_user.id AND (t.purpose = p_purpose OR t.expires_at <= issued);
    -- The earlier token is void: its mail, if no mailer has taken it yet, goes too.
    DELETE FROM auth.outbox o
    WHERE o.user_id = p_user.id AND o.kind = p_purpose AND o.claimed_at IS NULL;
    INSERT INTO auth.account_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
    VALUES (p_user.id, p_purpose, auth.token_digest(token), p_user.email, issued, ends)
    RETURNING id INTO new_id;
    PERFORM auth.audit(p_caller, p_purpose || '_requested', p_user.id, p_product_id,
                       jsonb_build_object('token_id', new_id, 'expires_at', ends));
    PERFORM auth.queue_message(p_caller, p_purpose, p_user.id, p_product_id, token, ends);
END
$$;

-- The live token of this purpose, locked, or NULL (unknown, malformed, of the other
-- purpose, used, expired, or issued to an address the user no longer has). A refused
-- token that exists is recorded with the reason. A token of a user the client may not
-- see (p_products) is, to it, an unknown token: left as it is, nothing recorded.
CREATE FUNCTION auth.take_account_token(p_caller regrole, p_token text, p_purpose text,
                                        p_products bigint[])
    RETURNS auth.account_tokens
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    found auth.account_tokens;
    reason text;
BEGIN
    SELECT t.* INTO found FROM auth.account_tokens t
    WHERE t.token_hash = auth.token_digest(p_token) AND t.purpose = p_purpose
    FOR UPDATE;
    IF found.id IS NULL OR NOT auth.sees_user(p_products, found.user_id) THEN
        RETURN NULL;
    END IF;
    reason := CASE
        WHEN found.used_at IS NOT NULL THEN 'used'
        WHEN found.expires_at <= clock_timestamp() THEN 'expired'
        WHEN NOT EXISTS (SELECT FROM auth.users u
                         WHERE u.id = found.user_id AND u.is_active AND u.email_key = auth.email_key(found.email))
            THEN 'account_changed'
    END;
    IF reason IS NOT NULL THEN
        PERFORM auth.audit(p_caller, p_purpose || '_refused', found.user_id, NULL,
                           jsonb_build_object('token_id', found.id, 'reason', reason));
        RETURN NULL;
    END IF;
    UPDATE auth.account_tokens t SET used_at = now() WHERE t.id = found.id;
    RETURN found;
END
$$;

-- Sets a user's password hash (ours, not imported), remembers it for
-- auth.password_history, clears any lockout, drops pending reset and email change tokens and ends the
-- user's sessions but the one kept; the number ended.
CREATE FUNCTION auth.replace_password(p_user_id bigint, p_new_hash text, p_keep bytea DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    UPDATE auth.users u
    SET password_hash = p_new_hash, password_imported = false, updated_at = now()
    WHERE u.id = p_user_id;
    PERFORM auth.remember_password(p_user_id, p_new_hash);
    PERFORM auth.clear_failures(p_user_id, 'password');
    -- A pending email change goes too: one asked from a stolen session must not survive
    -- the owner's answer to its notice, a new password.
    DELETE FROM auth.account_tokens t
    WHERE t.user_id = p_user_id AND t.purpose IN ('password_reset', 'email_change') AND t.used_at IS NULL;
    RETURN auth.end_sessions(p_user_id, p_keep);
END
$$;

-- auth_import_user (admin): a user with a hash from another system, checked against
-- the password as typed (then its NFKC form) and replaced at the first successful login.
CREATE FUNCTION auth.import_user(p_caller regrole, p_email text, p_password_hash text,
                                 p_full_name text, p_phone_number text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    format text;
    new_id bigint;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.check_profile(p_email, p_full_name, p_phone_number);
    format := auth.checked_import_hash(p_password_hash);
    new_id := auth.insert_user(p_email, p_password_hash, true, p_full_name, p_phone_number);
    PERFORM auth.audit(p_caller, 'user_imported', new_id, NULL, jsonb_build_object('format', format));
    RETURN new_id;
END
$$;

CREATE FUNCTION auth_import_user(email text, password_hash text, full_name text DEFAULT NULL,
                                 phone_number text DEFAULT NULL) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_import_user(text, text, text, text) IS
    'a user with a password hash from another system (Argon2, scrypt, bcrypt, sha-crypt, yescrypt), rehashed at the next login';
REVOKE ALL ON FUNCTION auth_import_user(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_import_user(text, text, text, text) TO auth_admin;

-- auth_verify_password (client): the user's id when the password is right and the user
-- may log in; no session. On a writable server a failure counts toward lockout and a
-- success resets the count and upgrades the hash. On a hot standby it only reads (no
-- failure is counted there). On a primary a READ ONLY transaction gives NULL and a
-- WARNING, like auth_login: any client can open one, and a check that counts nothing
-- there would be a guessing oracle without lockout.
CREATE FUNCTION auth.verify_password(p_caller regrole, p_email text, p_password text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    writable boolean := NOT pg_is_in_recovery();
    checked record;
BEGIN
    PERFORM auth.require_preloaded('auth_verify_password');
    -- On a primary, a READ ONLY transaction would make a check that counts nothing (a
    -- guessing oracle without lockout): NULL with a WARNING, never an error.
    IF writable AND current_setting('transaction_read_only') = 'on' THEN
        RAISE WARNING 'auth_verify_password needs a writable transaction on a primary'
            USING HINT = 'Call it outside a READ ONLY transaction.';
        RETURN NULL;
    END IF;
    checked := auth.authenticate(p_caller, NULL, p_email, p_password, writable, true, products,
                                 'password_verify_failed', NULL, NULL);
    IF writable AND checked.failure IS NULL THEN
        PERFORM auth.audit(p_caller, 'password_verified', (checked.user_row).id, NULL);
    END IF;
    RETURN CASE WHEN checked.failure IS NULL THEN (checked.user_row).id END;
END
$$;

CREATE FUNCTION auth_verify_password(email text, password text) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_verify_password(text, text) IS
    'the user''s id when the password is right and the user may log in, else NULL; no session';
REVOKE ALL ON FUNCTION auth_verify_password(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_verify_password(text, text) TO auth_client, auth_admin;

-- auth_change_password (client): needs the old password (a wrong one counts toward
-- lockout, like a failed login); ends every session of the user but keep_session's.
CREATE FUNCTION auth.change_password(p_caller regrole, p_user_id bigint, p_old_password text,
                                     p_new_password text, p_keep_session text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    checked record;
    ended integer;
BEGIN
    PERFORM auth.require_preloaded('auth_change_password');
    PERFORM auth.require_writable('auth_change_password');
    PERFORM auth.require_seen_user(products, p_user_id);
    -- The new password's policy first: a refused one costs no hash and counts nothing.
    PERFORM auth.check_password_policy(p_new_password, 'new_password', u.email, u.full_name)
    FROM auth.users u WHERE u.id = p_user_id;
    checked := auth.authenticate(p_caller, p_user_id, NULL, p_old_password, true, false, products,
                                 'password_change_failed', NULL, NULL);
    IF checked.failure IS NOT NULL THEN
        RETURN false;
    END IF;
    -- Only once the old password is proved: the history would answer a stranger too.
    PERFORM auth.check_not_reused(p_user_id, p_new_password, 'new_password');
    ended := auth.replace_password(p_user_id, auth.hash_password(p_new_password, 'new_password'),
                                   auth.token_digest(p_keep_session));
    PERFORM auth.audit(p_caller, 'password_changed', p_user_id, NULL,
                       jsonb_build_object('sessions_ended', ended,
                                          'session_kept', p_keep_session IS NOT NULL));
    PERFORM auth.queue_notice(p_caller, 'password_changed', p_user_id, auth.message_product(products, p_user_id));
    RETURN true;
END
$$;

CREATE FUNCTION auth_change_password(user_id bigint, old_password text, new_password text,
                                     keep_session text DEFAULT NULL) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_change_password(bigint, text, text, text) IS
    'changes a password given the old one (false when wrong); ends every other session';
REVOKE ALL ON FUNCTION auth_change_password(bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_change_password(bigint, text, text, text) TO auth_client, auth_admin;

-- The product a message is sent for: for a confined client, the first of its products
-- the user is a member of, so the mail can name it; NULL for a sign-in service or admin.
CREATE FUNCTION auth.message_product(products bigint[], p_user_id bigint) RETURNS bigint
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT min(m.product_id) FROM auth.user_products m
    WHERE products IS NOT NULL AND m.user_id = p_user_id AND m.product_id = ANY (products)
$$;

-- auth_request_password_reset (client): queues a single-use reset token in the outbox,
-- addressed to the stored email of an active user the caller may see; nothing for an
-- unknown, unseen or inactive one, in the same time. The caller never receives the
-- token, and learns nothing from the answer (always void).
CREATE FUNCTION auth.request_password_reset(p_caller regrole, p_email text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found auth.users;
BEGIN
    PERFORM auth.require_writable('auth_request_password_reset');
    found := auth.user_by_email(p_email);
    IF found.id IS NULL OR NOT found.is_active OR NOT auth.sees_user(products, found.id) THEN
        -- The same work for a decoy user, then undone: the answer's time says nothing
        -- either (the contract's "same time either way"). The decoy has an address no
        -- one has, so the work touches no real user's rows.
        BEGIN
            INSERT INTO auth.users (email) VALUES ('decoy.' || auth.new_token() || '@invalid')
            RETURNING * INTO found;
            PERFORM auth.send_account_token(p_caller, found, 'password_reset', NULL);
            RAISE EXCEPTION 'decoy' USING ERRCODE = 'AU002';
        EXCEPTION WHEN SQLSTATE 'AU002' THEN
            RETURN;
        END;
    END IF;
    PERFORM auth.send_account_token(p_caller, found, 'password_reset', auth.message_product(products, found.id));
END
$$;

CREATE FUNCTION auth_request_password_reset(email text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_request_password_reset(text) IS
    'queues a password reset mail (a single-use token) to the stored address of an active user; nothing for an unknown email';
REVOKE ALL ON FUNCTION auth_request_password_reset(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_request_password_reset(text) TO auth_client, auth_admin;

-- auth_reset_password (client): consumes the token, sets the password, ends all
-- sessions, clears lockout; false for a token that is unknown, used, expired, or of the
-- other purpose. A new password the policy refuses raises 22023 and leaves the token.
CREATE FUNCTION auth.reset_password(p_caller regrole, p_reset_token text, p_new_password text)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found auth.account_tokens;
    ended integer;
BEGIN
    PERFORM auth.require_writable('auth_reset_password');
    PERFORM auth.check_new_password(p_new_password, 'new_password');
    found := auth.take_account_token(p_caller, p_reset_token, 'password_reset', products);
    IF found.id IS NULL THEN
        RETURN false;
    END IF;
    -- The rules that need the user: a refusal raises, which leaves the token unused.
    PERFORM auth.check_password_policy(p_new_password, 'new_password', u.email, u.full_name)
    FROM auth.users u WHERE u.id = found.user_id;
    PERFORM auth.check_not_reused(found.user_id, p_new_password, 'new_password');
    ended := auth.replace_password(found.user_id, auth.hash_password(p_new_password, 'new_password'));
    PERFORM auth.audit(p_caller, 'password_reset', found.user_id, NULL,
                       jsonb_build_object('token_id', found.id, 'sessions_ended', ended));
    PERFORM auth.queue_notice(p_caller, 'password_changed', found.user_id, auth.message_product(products, found.user_id));
    RETURN true;
END
$$;

CREATE FUNCTION auth_reset_password(reset_token text, new_password text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_reset_password(text, text) IS
    'sets a new password with a reset token (single use); ends all sessions and clears lockout';
REVOKE ALL ON FUNCTION auth_reset_password(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_reset_password(text, text) TO auth_client, auth_admin;

-- auth_request_email_verification (client): queues a single-use token to the user's
-- stored address, proving it when it comes back through auth_verify_email; 42704 for a
-- user the caller may not see.
CREATE FUNCTION auth.request_email_verification(p_caller regrole, p_user_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found auth.users;
BEGIN
    PERFORM auth.require_writable('auth_request_email_verification');
    PERFORM auth.require_seen_user(products, p_user_id);
    SELECT u.* INTO found FROM auth.users u WHERE u.id = p_user_id;
    PERFORM auth.send_account_token(p_caller, found, 'email_verification', auth.message_product(products, found.id));
END
$$;

CREATE FUNCTION auth_request_email_verification(user_id bigint) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_request_email_verification(bigint) IS
    'queues an email verification mail (a single-use token) to the user''s stored address';
REVOKE ALL ON FUNCTION auth_request_email_verification(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_request_email_verification(bigint) TO auth_client, auth_admin;

-- auth_verify_email (client): consumes a verification token and sets email_verified_at.
CREATE FUNCTION auth.verify_email(p_caller regrole, p_token text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found auth.account_tokens;
BEGIN
    PERFORM auth.require_writable('auth_verify_email');
    found := auth.take_account_token(p_caller, p_token, 'email_verification', products);
    IF found.id IS NULL THEN
        RETURN false;
    END IF;
    UPDATE auth.users u SET email_verified_at = now(), updated_at = now() WHERE u.id = found.user_id;
    PERFORM auth.audit(p_caller, 'email_verified', found.user_id, NULL,
                       jsonb_build_object('token_id', found.id));
    RETURN true;
END
$$;

CREATE FUNCTION auth_verify_email(token text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_verify_email(text) IS
    'consumes an email verification token and marks the address verified; false for a bad token';
REVOKE ALL ON FUNCTION auth_verify_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_verify_email(text) TO auth_client, auth_admin;

-- auth_set_password (admin): an operator sets a password; ends all the user's sessions
-- and clears any lockout.
CREATE FUNCTION auth.set_password(p_caller regrole, p_user_id bigint, p_password text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    ended integer;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.require_user(p_user_id);
    PERFORM auth.check_password_policy(p_password, 'password', u.email, u.full_name)
    FROM auth.users u WHERE u.id = p_user_id;
    PERFORM auth.check_not_reused(p_user_id, p_password, 'password');
    ended := auth.replace_password(p_user_id, auth.hash_password(p_password, 'password'));
    PERFORM auth.audit(p_caller, 'password_set', p_user_id, NULL,
                       jsonb_build_object('sessions_ended', ended));
    PERFORM auth.queue_notice(p_caller, 'password_changed', p_user_id, NULL);
END
$$;

CREATE FUNCTION auth_set_password(user_id bigint, password text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_set_password(bigint, text) IS
    'an operator sets a user''s password; ends all the user''s sessions';
REVOKE ALL ON FUNCTION auth_set_password(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_set_password(bigint, text) TO auth_admin;

-- auth_set_active (admin): deactivation ends the user's sessions (and an inactive user
-- holds no role and cannot log in); activation gives nothing back but the ability to log in.
CREATE FUNCTION auth.set_active(p_caller regrole, p_user_id bigint, p_active boolean) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ended integer;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.require_user(p_user_id);
    IF p_active IS NULL THEN
        RAISE EXCEPTION 'active must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- Ended (and counted) before the update; the deactivation trigger of
    -- 62_session_rules.sql then finds none left.
    IF NOT p_active THEN
        ended := auth.end_sessions(p_user_id);
    END IF;
    UPDATE auth.users u SET is_active = p_active, updated_at = now() WHERE u.id = p_user_id;
    PERFORM auth.audit(p_caller, CASE WHEN p_active THEN 'user_activated' ELSE 'user_deactivated' END,
                       p_user_id, NULL, jsonb_build_object('sessions_ended', ended));
END
$$;

CREATE FUNCTION auth_set_active(user_id bigint, active boolean) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_set_active(bigint, boolean) IS
    'activates or deactivates a user; deactivation ends the user''s sessions';
REVOKE ALL ON FUNCTION auth_set_active(bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_set_active(bigint, boolean) TO auth_admin;

-- auth_unlock_user (admin): clears a lockout and the failed-login count.
CREATE FUNCTION auth.unlock_user(p_caller regrole, p_user_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    was_locked boolean;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.require_user(p_user_id);
    was_locked := auth.is_locked(p_user_id, 'password');
    PERFORM auth.clear_failures(p_user_id, NULL);
    PERFORM auth.audit(p_caller, 'user_unlocked', p_user_id, NULL, jsonb_build_object('was_locked', was_locked));
END
$$;

CREATE FUNCTION auth_unlock_user(user_id bigint) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_unlock_user(bigint) IS 'clears a user''s lockout and failed-login count';
REVOKE ALL ON FUNCTION auth_unlock_user(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_unlock_user(bigint) TO auth_admin;
