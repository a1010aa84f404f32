-- An inactive user holds no live session: deactivation ends every session of the user at
-- once, however it is made (auth_set_active, or an UPDATE by the extension's owner). So
-- auth_session_user, which must be as cheap as one index lookup, need not read
-- auth.users, and a reactivated user logs in again rather than finding old sessions alive.
-- The trigger fires ALWAYS: under session_replication_role = replica too (as a logical
-- replication apply worker, or an owner's session, may set it). auth_issue_jwt and
-- auth_api_key_user still check is_active themselves.

-- Ends the sessions of a user whose is_active just became false.
CREATE FUNCTION auth.end_sessions_on_deactivation() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM auth.end_sessions(NEW.id);
    RETURN NULL;
END
$$;
