-- auth: install script, assembled by `make` from the numbered files in src/sql/.
\echo Use "CREATE EXTENSION auth" to load this file. \quit

-- Names, emails and passwords are counted in Unicode characters: the database must be UTF8.
DO $$
BEGIN
    IF pg_catalog.current_setting('server_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'auth needs a database with UTF8 encoding'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = pg_catalog.format('This database uses %s.',
                                             pg_catalog.current_setting('server_encoding'));
    END IF;
END
$$;
