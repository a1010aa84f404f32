-- Made once, at CREATE EXTENSION, after the functions they need: the trigger that ends
-- a deactivated user's sessions (its function is in 62_session_rules.sql), the one that
-- keeps a user's email key (35_emails.sql), the one that
-- announces changes of auth.products to the checks' caches (57_client_scope.sql), the
-- one by which a key inserted as current retires the previous one (65_jwt.sql), and
-- the first signing key, of auth.jwt_algorithm (an HS256 secret only if HS256 is
-- configured). An upgrade script changes these itself (src/upgrade/).

CREATE TRIGGER users_deactivation_ends_sessions
    AFTER UPDATE OF is_active ON auth.users
    FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active)
    EXECUTE FUNCTION auth.end_sessions_on_deactivation();
ALTER TABLE auth.users ENABLE ALWAYS TRIGGER users_deactivation_ends_sessions;

CREATE TRIGGER users_email_keys
    BEFORE INSERT OR UPDATE OF email ON auth.users
    FOR EACH ROW EXECUTE FUNCTION auth.users_email_keys();
ALTER TABLE auth.users ENABLE ALWAYS TRIGGER users_email_keys;

CREATE TRIGGER products_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth.products
    FOR EACH STATEMENT EXECUTE FUNCTION auth.products_changed();
ALTER TABLE auth.products ENABLE ALWAYS TRIGGER products_changed;

CREATE TRIGGER signing_key_inserted
    BEFORE INSERT ON auth.signing_keys
    FOR EACH ROW WHEN (NEW.retired_at IS NULL) EXECUTE FUNCTION auth.signing_key_inserted();
ALTER TABLE auth.signing_keys ENABLE ALWAYS TRIGGER signing_key_inserted;

-- The key made at CREATE EXTENSION.
SELECT auth.add_signing_key(auth.jwt_algorithm(), false);

-- Users whose stored password hash could make a check cost more than the bound (about a
-- second of CPU, 256 MiB): stored before 0.2.0 refused them at import. They stay usable
-- (and are replaced by Argon2id at the next successful login); the operator reads the list
-- (auth_admin). Never the hash itself. (The upgrade makes the same view.)
CREATE VIEW auth.hashes_over_bound AS
    SELECT u.id AS user_id, u.email, auth.hash_format(u.password_hash) AS format, u.password_imported AS imported
    FROM auth.users u
    WHERE u.password_hash IS NOT NULL AND auth.hash_over_bound(u.password_hash);
