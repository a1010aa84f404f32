-- Who is a client of what, as the C checks see it (auth_has_role, auth_has_permission,
-- auth_session_user; src/pg/client_scope.cpp). Each backend remembers, for its last few
-- calling roles, the products each may act for, read from auth.products and the role
-- catalogs. A change of a role or a membership reaches every backend by itself; a change
-- of rows of auth.products does not, so this trigger function announces one: a relcache
-- invalidation of auth.products, sent to every backend when the transaction commits
-- (seen at once by the changing session's next statement, and undone by a rollback). So
-- auth_set_app_role, and an operator's UPDATE that re-binds an admin_role, take effect
-- in every session at once. Fired once per statement, ALWAYS (80_install_only.sql).
CREATE FUNCTION auth.products_changed() RETURNS trigger
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_products_changed';
COMMENT ON FUNCTION auth.products_changed() IS
    'trigger: tells every backend that auth.products changed, so the checks read the bindings again';
