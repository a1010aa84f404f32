-- Made once, at CREATE EXTENSION, after the functions they need: the trigger that ends
-- a deactivated user's sessions (its function is in 62_session_rules.sql), the one that
-- announces changes of auth.products to the checks' caches (57_client_scope.sql). No
-- signing key is made here: the first token signed makes one of auth.jwt_algorithm
-- (65_jwt.sql), so a restored dump brings its own keys back without a clash. An
-- upgrade script changes these itself (src/upgrade/).

CREATE TRIGGER users_deactivation_ends_sessions
    AFTER UPDATE OF is_active ON auth.users
    FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active)
    EXECUTE FUNCTION auth.end_sessions_on_deactivation();
ALTER TABLE auth.users ENABLE ALWAYS TRIGGER users_deactivation_ends_sessions;

CREATE TRIGGER products_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth.products
    FOR EACH STATEMENT EXECUTE FUNCTION auth.products_changed();
ALTER TABLE auth.products ENABLE ALWAYS TRIGGER products_changed;

