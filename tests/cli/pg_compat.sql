-- SQLite's spellings for the CLI tests' own SQL on PostgreSQL (lib.sh's
-- sql() with LR_TEST_DB=postgresql). Test databases only, in a schema of
-- their own that only the tests' psql puts on its search_path, so that
-- leadrules never sees them. Each prints as the sqlite3 shell would.
CREATE SCHEMA lr_compat;
SET search_path = lr_compat, public;

-- A value as SQLite's text: a whole real keeps its ".0", true is 1.
CREATE FUNCTION lr_compat.sqltext(v anyelement) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN v IS NULL THEN NULL
    WHEN pg_typeof(v) IN ('double precision'::regtype, 'real'::regtype)
      THEN CASE WHEN v::text::float8 = trunc(v::text::float8)
                 AND abs(v::text::float8) < 1e15
           THEN trunc(v::text::float8)::bigint::text || '.0'
           ELSE v::text END
    WHEN pg_typeof(v) = 'boolean'::regtype
      THEN CASE WHEN v::text::boolean THEN '1' ELSE '0' END
    ELSE v::text END $$;

CREATE FUNCTION lr_compat.gc_step(acc text, v anyelement, sep text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN sqltext(v)
              ELSE acc || sep || sqltext(v) END $$;
CREATE FUNCTION lr_compat.gc_step(acc text, v anyelement)
RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT gc_step(acc, v, ',') $$;
CREATE AGGREGATE lr_compat.group_concat(anyelement) (
  SFUNC = gc_step, STYPE = text);
CREATE AGGREGATE lr_compat.group_concat(anyelement, text) (
  SFUNC = gc_step, STYPE = text);
CREATE AGGREGATE lr_compat.total(float8) (
  SFUNC = float8pl, STYPE = float8, INITCOND = '0');

CREATE FUNCTION lr_compat.ifnull(a anyelement, b anyelement)
RETURNS anyelement LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a, b) $$;
-- ifnull(a number, 'text'): SQLite's columns take any type.
CREATE FUNCTION lr_compat.ifnull(a bigint, b text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a::text, b) $$;
CREATE FUNCTION lr_compat.ifnull(a numeric, b text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a::text, b) $$;
CREATE FUNCTION lr_compat.ifnull(a float8, b text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(sqltext(a), b) $$;
CREATE FUNCTION lr_compat.typeof(v anyelement) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN v IS NULL THEN 'null'
    WHEN pg_typeof(v) IN ('bigint'::regtype, 'integer'::regtype,
                          'smallint'::regtype, 'boolean'::regtype)
      THEN 'integer'
    WHEN pg_typeof(v) IN ('double precision'::regtype, 'real'::regtype)
      THEN 'real'
    WHEN pg_typeof(v) = 'numeric'::regtype
      THEN CASE WHEN scale(v::text::numeric) = 0 THEN 'integer'
                ELSE 'real' END
    WHEN pg_typeof(v) = 'bytea'::regtype THEN 'blob'
    ELSE 'text' END $$;
CREATE FUNCTION lr_compat.char(VARIADIC c int[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(chr(x), '' ORDER BY i)
  FROM unnest(c) WITH ORDINALITY AS u(x, i) $$;
CREATE FUNCTION lr_compat.hex(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT upper(encode(convert_to(t, 'UTF8'), 'hex')) $$;
-- json_extract(doc, '$.a.b') for the simple paths the tests use.
CREATE FUNCTION lr_compat.json_extract(doc text, path text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT doc::jsonb #>> string_to_array(substr(path, 3), '.') $$;

-- `score || ' '` prints a whole real as SQLite does ("87.0").
CREATE FUNCTION lr_compat.cat(a float8, b text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT sqltext(a) || b $$;
CREATE FUNCTION lr_compat.cat(a text, b float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT a || sqltext(b) $$;
CREATE OPERATOR lr_compat.|| (LEFTARG = float8, RIGHTARG = text,
  FUNCTION = lr_compat.cat);
CREATE OPERATOR lr_compat.|| (LEFTARG = text, RIGHTARG = float8,
  FUNCTION = lr_compat.cat);
-- ... and other numbers as they are (else they would cast to float8).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['numeric', 'bigint', 'integer'] LOOP
    EXECUTE format('CREATE FUNCTION lr_compat.cat(a %s, b text) RETURNS text '
                   'LANGUAGE sql IMMUTABLE AS $f$ SELECT a::text || b $f$', t);
    EXECUTE format('CREATE FUNCTION lr_compat.cat(a text, b %s) RETURNS text '
                   'LANGUAGE sql IMMUTABLE AS $f$ SELECT a || b::text $f$', t);
    EXECUTE format('CREATE OPERATOR lr_compat.|| (LEFTARG = %s, '
                   'RIGHTARG = text, FUNCTION = lr_compat.cat)', t);
    EXECUTE format('CREATE OPERATOR lr_compat.|| (LEFTARG = text, '
                   'RIGHTARG = %s, FUNCTION = lr_compat.cat)', t);
  END LOOP;
END $$;

-- audit's values are jsonb: a string prints bare, as SQLite's.
CREATE FUNCTION lr_compat.cat(a jsonb, b text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT (a #>> '{}') || b $$;
CREATE FUNCTION lr_compat.cat(a text, b jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT a || (b #>> '{}') $$;
CREATE OPERATOR lr_compat.|| (LEFTARG = jsonb, RIGHTARG = text,
  FUNCTION = lr_compat.cat);
CREATE OPERATOR lr_compat.|| (LEFTARG = text, RIGHTARG = jsonb,
  FUNCTION = lr_compat.cat);
CREATE FUNCTION lr_compat.ifnull(a jsonb, b text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a #>> '{}', b) $$;

-- SQLite's contacts has a column per imported field; PostgreSQL keeps
-- them in contacts.data. A temporary view of that name (the session's
-- pg_temp comes first) gives the tests' SELECTs the columns: a number
-- field as numeric (a jsonb number keeps its ".0"), others as text.
CREATE FUNCTION lr_compat.contacts_view() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE cols text; st text; j text := '';
BEGIN
  IF to_regclass('public.fields') IS NULL
     OR to_regclass('public.contacts') IS NULL THEN RETURN; END IF;
  -- The engine's state has a table of its own (contact_state): its
  -- columns join in, as leadrules' own readers see them.
  IF to_regclass('public.contact_state') IS NOT NULL THEN
    SELECT string_agg(CASE WHEN attname = 'score'
                        THEN 'coalesce(s.score, 0) AS score'
                        ELSE format('s.%I', attname) END, ', ' ORDER BY attnum)
      INTO st FROM pg_attribute
     WHERE attrelid = 'public.contact_state'::regclass AND attnum > 0
       AND NOT attisdropped AND attname <> 'contact_id';
    j := ' LEFT JOIN public.contact_state s ON s.contact_id = c.id';
  END IF;
  SELECT string_agg(format(
           CASE WHEN f.type IN ('integer', 'real')
             THEN 'CASE WHEN jsonb_typeof(c.data->%L) = ''number'' '
                  'THEN (c.data->%1$L)::numeric END AS %2$I'
             ELSE '(c.data->>%L) AS %I' END, f.name, f.name), ', '
           ORDER BY f.ord)
    INTO cols FROM public.fields f
   WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid IN ('public.contacts'::regclass,
                              coalesce(to_regclass('public.contact_state'),
                                       'public.contacts'::regclass))
                        AND a.attname = f.name AND a.attnum > 0);
  EXECUTE 'CREATE OR REPLACE TEMP VIEW contacts AS SELECT c.*'
          || coalesce(', ' || st, '') || coalesce(', ' || cols, '')
          || ' FROM public.contacts c' || j;
END $$;

-- Rows inserted with their ids (fixtures): the sequences go past them.
CREATE FUNCTION lr_compat.sync_seqs() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE r record; m bigint;
BEGIN
  FOR r IN SELECT s.oid::regclass AS seq, t.oid::regclass AS tbl,
                  a.attname AS col
             FROM pg_depend d
             JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
             JOIN pg_class t ON t.oid = d.refobjid
             JOIN pg_attribute a ON a.attrelid = t.oid
                                AND a.attnum = d.refobjsubid
            WHERE d.deptype IN ('a', 'i')
              AND t.relnamespace = 'public'::regnamespace LOOP
    EXECUTE format('SELECT max(%I) FROM %s', r.col, r.tbl) INTO m;
    IF m IS NOT NULL THEN PERFORM setval(r.seq, m); END IF;
  END LOOP;
  -- The store gives every contact it creates its row of run state
  -- (contact_state); a fixture's contacts get theirs here.
  IF to_regclass('public.contact_state') IS NOT NULL THEN
    INSERT INTO public.contact_state(contact_id)
      SELECT c.id FROM public.contacts c
       WHERE NOT EXISTS (SELECT 1 FROM public.contact_state s
                          WHERE s.contact_id = c.id);
  END IF;
END $$;

-- A value as SQLite's column affinity would store it, as the store keeps
-- an imported field in contacts.data: a number-looking text in an
-- integer or real field is a number (a whole real keeps its ".0").
CREATE FUNCTION lr_compat.affine(v text, type text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE f float8;
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  IF type NOT IN ('integer', 'real')
     OR v !~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$' THEN
    RETURN to_jsonb(v);
  END IF;
  IF type = 'integer' AND v ~ '^[-+]?[0-9]+$' THEN
    RETURN to_jsonb(v::numeric);
  END IF;
  f := v::float8;
  IF f = trunc(f) AND abs(f) < 1e15 THEN
    RETURN CASE WHEN type = 'integer' THEN to_jsonb(f::bigint)
                ELSE (f::bigint::text || '.0')::jsonb END;
  END IF;
  RETURN to_jsonb(f);
END $$;

-- SQLite fixtures add a column per imported field (ALTER TABLE contacts
-- ADD COLUMN, made text by lib.sh) and insert into it: move each such
-- column's values into contacts.data, typed by its field, and drop it.
CREATE FUNCTION lr_compat.fold_columns(cols text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE c text; t text;
BEGIN
  FOREACH c IN ARRAY cols LOOP
    SELECT type INTO t FROM public.fields WHERE name = c;
    EXECUTE format('UPDATE public.contacts SET data = data || '
                   'jsonb_build_object(%L, lr_compat.affine(%I, %L)) '
                   'WHERE %I IS NOT NULL', c, c, coalesce(t, 'text'), c);
    EXECUTE format('ALTER TABLE public.contacts DROP COLUMN %I', c);
  END LOOP;
END $$;

-- SQLite gives a contact inserted without an id the next rowid; the
-- store's contacts.id has no default (leadrules always names the id), so
-- the tests' own SQL gets one, past the largest id, before it runs.
CREATE SEQUENCE lr_compat.contact_ids;
CREATE FUNCTION lr_compat.prepare() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('public.contacts') IS NULL THEN RETURN; END IF;
  PERFORM setval('lr_compat.contact_ids',
                 coalesce((SELECT max(id) FROM public.contacts), 0) + 1, false);
  IF (SELECT NOT atthasdef FROM pg_attribute WHERE attname = 'id'
        AND attrelid = 'public.contacts'::regclass) THEN
    ALTER TABLE public.contacts
      ALTER COLUMN id SET DEFAULT nextval('lr_compat.contact_ids');
  END IF;
END $$;

-- X GLOB 'pattern' (lib.sh rewrites it to X ~ glob_re('pattern')).
CREATE FUNCTION lr_compat.glob_re(g text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT '^' || replace(replace(regexp_replace(g, '([.+(){}^$|\\])', '\\\1',
                                               'g'), '*', '.*'), '?', '.')
         || '$' $$;
