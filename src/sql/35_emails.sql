-- One address, one account (docs/email-addresses.md): emails are matched and kept unique
-- by one key, ICU's NFKC case fold; an address holding an invisible character is refused
-- where stored; one that looks like another user's (the same UTS #39 skeleton, either
-- address not all ASCII) is refused as a duplicate.

CREATE FUNCTION auth.email_key(email text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_email_key';
COMMENT ON FUNCTION auth.email_key(text) IS
    'NFKC_Casefold of an address (ICU): the key emails are matched and kept unique by; NULL over 254 characters';

CREATE FUNCTION auth.email_skeleton(email text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_email_skeleton';
COMMENT ON FUNCTION auth.email_skeleton(text) IS
    'the confusable skeleton (UTS #39, ICU''s spoof checker) of an address''s key; NULL where email_key is NULL';

CREATE FUNCTION auth.email_has_invisible(email text) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_email_has_invisible';
COMMENT ON FUNCTION auth.email_has_invisible(text) IS
    'true when an address holds a format (Cf) or default-ignorable character';

CREATE FUNCTION auth.email_lookalike_taken(skeleton text, all_ascii boolean, user_id bigint) RETURNS boolean
    LANGUAGE C VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'auth_email_lookalike_taken';
COMMENT ON FUNCTION auth.email_lookalike_taken(text, boolean, bigint) IS
    'whether another user''s address has this skeleton (either address not all ASCII), read in the latest snapshot';

-- The one lookup of a user by email, for every function that takes one: the user whose
-- key is the typed address's, or NULL (nothing matches, or the address is malformed or
-- over 254 characters). A typed address with an invisible character matches only an
-- account stored with exactly that address (one 0.1.0 may have made). Where accounts of
-- 0.1.0 share a key (kept by the upgrade, listed in auth.email_collisions), the one 0.1.0
-- would have found wins (lower(stored) = lower(typed): unique in 0.1.0, so it is the one
-- whose exact stored address was typed), else the oldest: each still logs in with its
-- exact stored address.
CREATE FUNCTION auth.user_by_email(p_email text) RETURNS auth.users
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT u.* FROM auth.users u
    WHERE u.email_key = auth.email_key(p_email)
      AND (u.email = p_email OR NOT auth.email_has_invisible(p_email))
    ORDER BY lower(u.email) = lower(p_email) DESC, u.id
    LIMIT 1
$$;

-- Keeps a user's key and skeleton with the address (trigger users_email_keys, BEFORE
-- INSERT OR UPDATE OF email), and refuses what one address, one account forbids: an
-- invisible character (22023), an address over the bound once normalized (22023), and a
-- look-alike of another user's address (23505; the same key is the unique index's to
-- refuse). The look-alike check runs under an advisory lock on the skeleton, held to the
-- end of the transaction, and reads the latest committed rows, so two look-alike
-- sign-ups cannot both pass it whatever their isolation level. A row inserted with its
-- key already filled in comes from a dump (the functions never fill it in): it was
-- checked when first stored, or is an account of 0.1.0 the upgrade kept, so only its key
-- and skeleton are made again.
CREATE FUNCTION auth.users_email_keys() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    restored boolean := TG_OP = 'INSERT' AND NEW.email_key IS NOT NULL;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.email IS NOT DISTINCT FROM OLD.email THEN
        RETURN NEW;
    END IF;
    IF NOT restored AND auth.email_has_invisible(NEW.email) THEN
        RAISE EXCEPTION 'email must not contain invisible characters' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    NEW.email_key := auth.email_key(NEW.email);
    NEW.email_skeleton := auth.email_skeleton(NEW.email);
    IF NEW.email_key IS NULL OR NEW.email_skeleton IS NULL THEN
        RAISE EXCEPTION 'email is too long once normalized' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF restored THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        NEW.email_twin := 0;    -- a new address is no longer one the upgrade kept
    END IF;
    -- 1635087464 is 'auth' in ASCII: this extension's class of advisory locks. The
    -- skeleton's hash is folded into 1024 keys, so a transaction that imports many users
    -- (auth_import_users) holds at most 1024 of these locks, not one per user.
    PERFORM pg_advisory_xact_lock(1635087464, hashtext(NEW.email_skeleton) & 1023);
    -- All ASCII: one byte a character in UTF-8. Read in the latest snapshot, so a
    -- look-alike committed while this transaction waited counts at every isolation level.
    IF auth.email_lookalike_taken(NEW.email_skeleton, octet_length(NEW.email) = length(NEW.email), NEW.id) THEN
        RAISE EXCEPTION 'a user with this email already exists' USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END
$$;
