-- Indexes that FerretDB 1.24's own queries can use, made by PostgreSQL itself whenever FerretDB
-- makes an index. Installed by ferretdb.sh into FerretDB's database on every start (idempotent).
--
-- FerretDB keeps a collection in a table with one jsonb column, _jsonb, and makes each MongoDB
-- index a btree on (_jsonb->'field'). But it filters with containment: a find by {field: value}
-- becomes `WHERE _jsonb->'field' @> '"value"'` (by _id too), which a btree cannot answer, so
-- every look-up read the whole table. A GIN index with jsonb_path_ops on the same expression
-- answers @>. So: when FerretDB creates a btree index on one of its collection tables, this
-- event trigger creates one such GIN index per key field (one per table and field, shared by the
-- indexes naming it). Only top-level fields: FerretDB 1.24 does not push dotted paths down.
-- The GIN indexes stay when FerretDB drops its index; they go with the collection.
--
-- Everything that knows FerretDB's tables lives here and in deploy/local. Its metadata table
-- _ferretdb_database_metadata marks the schemas that are FerretDB databases.

SET client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS hoppid_local;

-- The GIN indexes for one index; returns how many it created. Skips anything that is not a
-- FerretDB btree index on a collection table: our own GIN indexes among them, so the trigger
-- that runs on our CREATE INDEX does nothing and never recurses.
CREATE OR REPLACE FUNCTION hoppid_local.gin_for_index(index_oid oid) RETURNS integer
LANGUAGE plpgsql AS $function$
DECLARE
  schema_name name;
  table_name name;
  access_method name;
  key_count integer;
  expression text;
  field text;
  gin_name text;
  created integer := 0;
BEGIN
  SELECT n.nspname, t.relname, a.amname, i.indnkeyatts
    INTO schema_name, table_name, access_method, key_count
    FROM pg_index i
    JOIN pg_class ix ON ix.oid = i.indexrelid
    JOIN pg_am a ON a.oid = ix.relam
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE i.indexrelid = index_oid;
  IF NOT FOUND OR access_method <> 'btree' OR table_name = '_ferretdb_database_metadata'
     OR to_regclass(format('%I._ferretdb_database_metadata', schema_name)) IS NULL THEN
    RETURN 0;
  END IF;
  FOR k IN 1..key_count LOOP
    -- FerretDB's key expression, as PostgreSQL prints it: ((_jsonb -> 'field'::text)); a dotted
    -- path, (((_jsonb -> 'a'::text) -> 'b'::text)), does not match.
    expression := pg_get_indexdef(index_oid, k, false);
    field := substring(expression FROM '^\(*_jsonb -> ''((?:[^'']|'''')*)''::text\)*$');
    CONTINUE WHEN field IS NULL;
    field := replace(field, '''''', '''');
    gin_name := left(table_name, 20) || '_'
      || left(regexp_replace(lower(field), '[^a-z0-9_]', '_', 'g'), 20) || '_'
      || left(md5(table_name || '.' || field), 10) || '_gin';
    CONTINUE WHEN to_regclass(format('%I.%I', schema_name, gin_name)) IS NOT NULL;
    EXECUTE format('CREATE INDEX %I ON %I.%I USING gin ((_jsonb -> %L) jsonb_path_ops)',
                   gin_name, schema_name, table_name, field);
    created := created + 1;
  END LOOP;
  RETURN created;
END
$function$;

CREATE OR REPLACE FUNCTION hoppid_local.gin_for_created_indexes() RETURNS event_trigger
LANGUAGE plpgsql AS $function$
DECLARE
  command record;
BEGIN
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands()
                  WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    BEGIN
      PERFORM hoppid_local.gin_for_index(command.objid);
    EXCEPTION WHEN OTHERS THEN
      -- A missing GIN index makes look-ups slow; failing FerretDB's createIndexes would be worse.
      RAISE WARNING 'hoppid: no GIN index for index %: %', command.objid::regclass, SQLERRM;
    END;
  END LOOP;
END
$function$;

DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'hoppid_gin_for_ferretdb_indexes') THEN
    CREATE EVENT TRIGGER hoppid_gin_for_ferretdb_indexes ON ddl_command_end
      WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION hoppid_local.gin_for_created_indexes();
  END IF;
END
$do$;

-- Indexes FerretDB made before this trigger (or this version of it) was installed.
SELECT hoppid_local.gin_for_index(i.indexrelid)
  FROM pg_index i
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'hoppid_local');
