-- The C++/PostgreSQL border: a C++ exception comes out as a clean SQL error, and the
-- same backend goes on serving.
\pset footer off
SELECT pg_backend_pid() AS pid_before \gset
SELECT regress_try($$SELECT auth_create_user('ivan@example.com', repeat('x', 1000000))$$) AS one_megabyte,
       regress_try($$SELECT auth_create_user('ivan@example.com', E'\u00e9\u00e9')$$) AS two_characters;
-- As a client sees it:
SELECT auth_create_user('ivan@example.com', repeat('x', 1000000));
SELECT pg_backend_pid() = :pid_before AS same_backend;
BEGIN;
SELECT auth_create_user('ivan@example.com', 'a long enough password') > 0 AS next_call_works;
ROLLBACK;
