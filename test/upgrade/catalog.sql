-- Everything the extension puts in a database, one line per fact, sorted: the functions
-- with their full definitions (arguments, result, volatility, security, settings, body),
-- comments and privileges; the tables with their columns (sorted by name: a column added
-- by an upgrade comes last, one made by CREATE TABLE where it was written), constraints,
-- indexes, triggers, row security, privileges and comments; sequences; what pg_dump is
-- told to dump; the extension's members. test/upgrade/upgrade.sh compares this listing
-- of an upgraded database with that of a fresh install.
\pset format unaligned
\pset tuples_only on
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'auth'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
),
acl(kind, object, grants) AS (
    SELECT 'function', p.oid::regprocedure::text,
           (SELECT string_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
                              || '=' || a.privilege_type, ',' ORDER BY 1)
            FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a)
    FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
    UNION ALL
    SELECT 'relation', c.oid::regclass::text,
           (SELECT string_agg(pg_get_userbyid(a.grantee) || '=' || a.privilege_type, ',' ORDER BY 1)
            FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a)
    FROM pg_class c WHERE c.relnamespace = 'auth'::regnamespace
    UNION ALL
    SELECT 'schema', n.nspname,
           (SELECT string_agg(pg_get_userbyid(a.grantee) || '=' || a.privilege_type, ',' ORDER BY 1)
            FROM aclexplode(n.nspacl) a)
    FROM pg_namespace n WHERE n.nspname = 'auth'
),
facts(line) AS (
    SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0) FROM members m
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure || E'\n' || pg_get_functiondef(p.oid)
           || 'comment: ' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
    FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
    UNION ALL
    SELECT format('relation %s kind=%s rls=%s force_rls=%s comment=%s', c.oid::regclass, c.relkind,
                  c.relrowsecurity, c.relforcerowsecurity, coalesce(obj_description(c.oid, 'pg_class'), '-'))
    FROM pg_class c WHERE c.relnamespace = 'auth'::regnamespace AND c.relkind <> 'i'
    UNION ALL
    SELECT format('column %s.%s %s notnull=%s default=%s identity=%s generated=%s collation=%s comment=%s',
                  a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-'), a.attidentity, a.attgenerated,
                  a.attcollation, coalesce(col_description(a.attrelid, a.attnum), '-'))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE c.relnamespace = 'auth'::regnamespace AND c.relkind IN ('r', 'v', 'p')
      AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('constraint %s %s %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
    FROM pg_constraint c WHERE c.connamespace = 'auth'::regnamespace
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relnamespace = 'auth'::regnamespace
    UNION ALL
    SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace = 'auth'::regnamespace AND NOT t.tgisinternal
    UNION ALL
    SELECT format('policy %s.%s %s', p.schemaname, p.tablename, row(p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check))
    FROM pg_policies p WHERE p.schemaname = 'auth'
    UNION ALL
    SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cycle=%s',
                  s.seqrelid::regclass, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                  s.seqmin, s.seqmax, s.seqcycle)
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = 'auth'::regnamespace
    UNION ALL
    SELECT format('dumped %s where=%s', cfg.rel::regclass, nullif(cfg.cond, ''))
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS cfg(rel, cond) WHERE e.extname = 'auth'
    UNION ALL
    SELECT format('privileges %s %s %s', kind, object, coalesce(grants, '-')) FROM acl
    UNION ALL
    SELECT format('extension version=%s relocatable=%s schema_owner=%s', e.extversion, e.extrelocatable,
                  (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'auth'))
    FROM pg_extension e WHERE e.extname = 'auth'
)
SELECT line FROM facts ORDER BY line COLLATE "C";
