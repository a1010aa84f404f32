-- The lockout: failed checks counted where no rollback reaches them. A failure is handed
-- to the failure recorder, a background worker of this database that writes it (the
-- count in auth.login_failures and the audit row) in a transaction of its own; the check
-- answers only once that transaction has committed (src/pg/failure_recorder.h). So a
-- client that checks inside a transaction or a savepoint and rolls back keeps its answer
-- but not its failure, and a crash after the answer loses nothing. Only the recorder
-- writes auth.login_failures: a check never waits on a row lock another client holds.
-- Clearing (a success, an unlock, a new password) goes the same way and takes effect at
-- once, whatever the caller's transaction does later. On a hot standby failures are
-- counted in the standby's shared memory and lock there (no audit row can be written).

CREATE FUNCTION auth.require_preloaded(function_name text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_require_preloaded';
COMMENT ON FUNCTION auth.require_preloaded(text) IS
    '55000 with a hint unless shared_preload_libraries holds auth (the recorder needs it)';

CREATE FUNCTION auth.failure_state(p_user_id bigint, p_factor text,
                                   OUT failures integer, OUT locked_until timestamptz)
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_failure_state';
COMMENT ON FUNCTION auth.failure_state(bigint, text) IS
    'the count and lock of a user''s factor as committed now (latest snapshot, not the transaction''s), with a standby''s own count';

CREATE FUNCTION auth.record_failure(p_caller regrole, p_user_id bigint, p_factor text, p_counted boolean,
                                    p_event text, p_product_id bigint, p_detail text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_record_failure';
COMMENT ON FUNCTION auth.record_failure(regrole, bigint, text, boolean, text, bigint, text) IS
    'records a failed check (count toward the lockout when counted, audit row event/detail) through the recorder, returning once committed; NULL user: the audit row only';

CREATE FUNCTION auth.clear_failures(p_user_id bigint, p_factor text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_clear_failures';
COMMENT ON FUNCTION auth.clear_failures(bigint, text) IS
    'clears the count and lock of a user''s factor (NULL: all) through the recorder, at once';

CREATE FUNCTION auth.next_failure_state(failures integer, locked_until timestamptz,
                                        max_failures integer, lockout_seconds integer,
                                        OUT failures integer, OUT locked_until timestamptz,
                                        OUT counted boolean, OUT locked_now boolean)
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_next_failure_state';
COMMENT ON FUNCTION auth.next_failure_state(integer, timestamptz, integer, integer) IS
    'the lockout rule (src/core/lockout.h) applied to one more failure now';

-- Run by the recorder, as the extension's owner, in its own transaction: counts one
-- failure of a user's factor (when p_counted: a wrong secret; failures while locked are
-- not counted) and writes its audit row, and the lock's own row when this failure locks.
-- The user may not be visible to the recorder yet (made in the caller's open
-- transaction): the count is kept by id all the same.
CREATE FUNCTION auth.apply_failure(p_db_role text, p_user_id bigint, p_factor text, p_counted boolean,
                                   p_event text, p_product_id bigint, p_detail jsonb,
                                   p_max_failures integer, p_lockout_seconds integer) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    current auth.login_failures;
    next record;
    locked_now boolean := false;
BEGIN
    IF p_counted AND p_user_id IS NOT NULL THEN
        SELECT f.* INTO current FROM auth.login_failures f
        WHERE f.user_id = p_user_id AND f.factor = p_factor;
        next := auth.next_failure_state(coalesce(current.failures, 0), current.locked_until,
                                        p_max_failures, p_lockout_seconds);
        locked_now := next.locked_now;
        IF next.counted THEN
            INSERT INTO auth.login_failures AS f (user_id, factor, failures, locked_until, last_failed_at)
            VALUES (p_user_id, p_factor, next.failures, next.locked_until, clock_timestamp())
            ON CONFLICT (user_id, factor) DO UPDATE
            SET failures = excluded.failures, locked_until = excluded.locked_until,
                last_failed_at = excluded.last_failed_at;
        END IF;
    END IF;
    -- The audit rows as auth.audit writes them, with the caller's name as the backend
    -- knew it (the role may be one the recorder cannot see yet, made in the caller's
    -- transaction).
    INSERT INTO auth.audit_log (event, user_id, product_id, db_role, detail)
    VALUES (p_event, p_user_id, p_product_id, p_db_role, jsonb_strip_nulls(p_detail));
    IF locked_now THEN
        INSERT INTO auth.audit_log (event, user_id, product_id, db_role, detail)
        VALUES (CASE p_factor WHEN 'password' THEN 'user_locked' ELSE 'mfa_locked' END, p_user_id, NULL,
                p_db_role, jsonb_build_object('until', next.locked_until));
        -- Once per lock: the user hears that someone is guessing the password (the
        -- recorder's own transaction; the mail goes to the address stored now).
        IF p_factor = 'password' THEN
            PERFORM auth.queue_mail(p_db_role, 'account_locked', u.id, u.email, NULL, NULL,
                                    clock_timestamp() + auth.notice_ttl())
            FROM auth.users u WHERE u.id = p_user_id;
        END IF;
    END IF;
END
$$;

-- Run by the recorder: clears the count and lock of a user's factor (NULL: all).
CREATE FUNCTION auth.apply_clear(p_user_id bigint, p_factor text) RETURNS void
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM auth.login_failures f
    WHERE f.user_id = p_user_id AND (p_factor IS NULL OR f.factor = p_factor)
$$;

-- Whether a user's factor is locked now (for the operator's functions and the checks).
CREATE FUNCTION auth.is_locked(p_user_id bigint, p_factor text) RETURNS boolean
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(s.locked_until > clock_timestamp(), false) FROM auth.failure_state(p_user_id, p_factor) s
$$;
