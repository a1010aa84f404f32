-- Account emails: the outbox. Tokens that prove control of a mailbox (password reset,
-- email verification) go to the mailbox only: the function that makes one queues it
-- here, in the caller's transaction, and only a mailer (auth_mailer) takes it out.
-- Tokens are held in PL/pgSQL variables and columns read here: generic plans only (see
-- the comment at auth.login in 60_sessions.sql).

-- An outbox token's seal is bound to its message id.
CREATE FUNCTION auth.outbox_context(id bigint) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT 'auth.outbox:' || id $$;

-- Queues one message to an address and wakes the mailers: NOTIFY auth_outbox, payload
-- the kind, which PostgreSQL delivers only if the transaction commits. The token, if any
-- (notices have none), is held sealed (context auth.outbox_context(id), 35_sealed.sql);
-- the audit row, written as p_db_role, never holds it. The one writer of the outbox, for
-- callers with a regrole (auth.queue_message) and for the lockout recorder, which has
-- only the caller's name.
CREATE FUNCTION auth.queue_mail(p_db_role text, p_kind text, p_user_id bigint, p_email text,
                                p_product_id bigint, p_token text, p_expires_at timestamptz) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    message_id bigint := nextval('auth.outbox_id_seq');   -- first: the sealed token is bound to it
BEGIN
    -- created_at is the clock, not the transaction's start: mailers take the oldest first.
    INSERT INTO auth.outbox (id, kind, user_id, email, product_id, sealed_token, created_at, expires_at)
    VALUES (message_id, p_kind, p_user_id, p_email, p_product_id,
            auth.seal(convert_to(p_token, 'UTF8'), auth.outbox_context(message_id)), clock_timestamp(), p_expires_at);
    PERFORM pg_notify('auth_outbox', p_kind);
    INSERT INTO auth.audit_log (event, user_id, product_id, db_role, detail)
    VALUES ('message_queued', p_user_id, p_product_id, p_db_role,
            jsonb_build_object('message_id', message_id, 'kind', p_kind));
    RETURN message_id;
END
$$;

-- Queues one message for a user, addressed to the email stored for that user now (never
-- an address the caller typed). p_product_id names the product of the confined client
-- that asked (NULL for a sign-in service or an admin). Called by the functions that make
-- account tokens and send notices.
CREATE FUNCTION auth.queue_message(p_caller regrole, p_kind text, p_user_id bigint, p_product_id bigint,
                                   p_token text, p_expires_at timestamptz) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    stored text;
BEGIN
    SELECT u.email INTO stored FROM auth.users u WHERE u.id = p_user_id;
    IF stored IS NULL THEN
        RAISE EXCEPTION 'user % does not exist', p_user_id USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM auth.queue_mail(pg_get_userbyid(p_caller), p_kind, p_user_id, stored, p_product_id, p_token, p_expires_at);
END
$$;

-- How long a security notice (no token) waits for a mailer before it is stale.
CREATE FUNCTION auth.notice_ttl() RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT interval '7 days' $$;

-- Queues a security notice (no token) to a user's stored address: password_changed,
-- mfa_enrolled, mfa_removed, email_change_notice (account_locked: auth.apply_failure).
CREATE FUNCTION auth.queue_notice(p_caller regrole, p_kind text, p_user_id bigint, p_product_id bigint)
    RETURNS void
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT auth.queue_message(p_caller, p_kind, p_user_id, p_product_id, NULL, clock_timestamp() + auth.notice_ttl())
$$;

-- auth_outbox_claim (auth_mailer): the messages to send now, each given out once. Only a
-- mailer (a role with auth_mailer's privileges) may claim, and a superuser; EXECUTE is
-- granted to auth_mailer alone, and the check below holds should anyone grant it wider.
-- Unclaimed, unexpired messages, oldest first, at most max_messages. FOR UPDATE SKIP
-- LOCKED: a message another mailer's open transaction holds is skipped, not waited for
-- and never returned twice; one it has claimed and committed no longer qualifies.
-- The same statement that unseals and returns a token erases it (sealed_token NULL,
-- claimed_at, claimed_by),
-- so once the claim commits no live row holds it; if the mailer's transaction rolls back,
-- the messages are unclaimed again, tokens included. (The old row version stays on disk
-- until VACUUM removes it, as for any UPDATE.)
CREATE FUNCTION auth.outbox_claim(p_caller regrole, p_max_messages integer)
    RETURNS TABLE (id bigint, kind text, email text, full_name text, product text, token text,
                   created_at timestamptz, expires_at timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF NOT pg_has_role(p_caller, 'auth_mailer', 'USAGE') THEN
        RAISE EXCEPTION 'permission denied: role % does not have the privileges of auth_mailer',
                        auth.shown(pg_get_userbyid(p_caller))
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM auth.require_writable('auth_outbox_claim');
    IF p_max_messages IS NULL THEN
        RAISE EXCEPTION 'max_messages must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_max_messages NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'max_messages must be between 1 and 1000' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A message that expired unclaimed is never sent: its token goes now (skipping rows
    -- another mailer holds, so mailers never wait for each other).
    UPDATE auth.outbox o SET sealed_token = NULL
    WHERE o.id IN (SELECT e.id FROM auth.outbox e
                   WHERE e.claimed_at IS NULL AND e.expires_at <= clock_timestamp() AND e.sealed_token IS NOT NULL
                   FOR UPDATE SKIP LOCKED);
    RETURN QUERY
    WITH chosen AS (
        SELECT o.id, o.sealed_token FROM auth.outbox o
        WHERE o.claimed_at IS NULL AND o.expires_at > clock_timestamp()
        ORDER BY o.created_at, o.id
        LIMIT p_max_messages
        FOR UPDATE SKIP LOCKED),
    claimed AS (
        UPDATE auth.outbox o
        SET sealed_token = NULL, claimed_at = clock_timestamp(), claimed_by = pg_get_userbyid(p_caller)
        FROM chosen c WHERE o.id = c.id
        RETURNING o.id, o.kind, o.email, o.user_id, o.product_id, c.sealed_token, o.created_at, o.expires_at),
    audited AS (
        INSERT INTO auth.audit_log (event, user_id, product_id, db_role, detail)
        SELECT 'message_claimed', m.user_id, m.product_id, pg_get_userbyid(p_caller),
               jsonb_build_object('message_id', m.id, 'kind', m.kind)
        FROM claimed m)
    SELECT m.id, m.kind, m.email, u.full_name, p.name,
           convert_from(auth.unseal(m.sealed_token, auth.outbox_context(m.id)), 'UTF8'), m.created_at, m.expires_at
    FROM claimed m
    LEFT JOIN auth.users u ON u.id = m.user_id
    LEFT JOIN auth.products p ON p.id = m.product_id
    ORDER BY m.created_at, m.id;
END
$$;

CREATE FUNCTION auth_outbox_claim(max_messages integer DEFAULT 10)
    RETURNS TABLE (id bigint, kind text, email text, full_name text, product text, token text,
                   created_at timestamptz, expires_at timestamptz)
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_outbox_claim(integer) IS
    'for mailers (auth_mailer; else 42501): unclaimed, unexpired account emails, oldest first, at most max_messages (1 to 1000, else 22023; NULL 22004), each returned once: concurrent mailers never get the same message, and each token is erased from the outbox as it is returned';
REVOKE ALL ON FUNCTION auth_outbox_claim(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_outbox_claim(integer) TO auth_mailer;
