-- What the C unit tests' own SQL needs on PostgreSQL beyond
-- tests/cli/pg_compat.sql (loaded first, into the same test database):
-- t_pg.h runs each statement that names contacts against a temporary
-- view of that name (lr_compat.contacts_view) made writable here, so
-- that SQLite's one table of contacts takes INSERT, UPDATE and DELETE of
-- any of its columns: the store's own, the run's state (contact_state)
-- and the imported fields (contacts.data).

-- quote(v) as SQLite prints it: NULL, a number bare, text quoted.
CREATE FUNCTION lr_compat.quote(v anyelement) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN v IS NULL THEN 'NULL'
    WHEN pg_typeof(v) IN ('double precision'::regtype, 'real'::regtype,
                          'bigint'::regtype, 'integer'::regtype,
                          'smallint'::regtype, 'numeric'::regtype,
                          'boolean'::regtype)
      THEN lr_compat.sqltext(v)
    ELSE '''' || replace(v::text, '''', '''''') || '''' END $$;
CREATE FUNCTION lr_compat.quote(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN 'NULL'
              ELSE '''' || replace(v, '''', '''''') || '''' END $$;

-- The view contacts (a new one: its columns follow the fields) with an
-- INSTEAD OF trigger that writes each column where the store keeps it.
-- The trigger function is written for the view's columns of the moment.
CREATE FUNCTION lr_compat.contacts_rw() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  r record; cc text := ''; cv text := ''; sc text := ''; sv text := '';
  dv text := 'coalesce(NEW.data, ''{}''::jsonb)'; du text; body text;
BEGIN
  DROP VIEW IF EXISTS pg_temp.contacts;
  PERFORM lr_compat.contacts_view();
  IF to_regclass('pg_temp.contacts') IS NULL THEN RETURN; END IF;
  FOR r IN SELECT a.attname AS col,
                  EXISTS (SELECT 1 FROM pg_attribute b
                           WHERE b.attrelid = 'public.contacts'::regclass
                             AND b.attname = a.attname AND b.attnum > 0
                             AND NOT b.attisdropped) AS own,
                  EXISTS (SELECT 1 FROM pg_attribute b
                           WHERE b.attrelid = to_regclass('public.contact_state')
                             AND b.attname = a.attname AND b.attnum > 0
                             AND NOT b.attisdropped) AS state,
                  (SELECT f.type FROM public.fields f
                    WHERE f.name = a.attname) AS ftype
             FROM pg_attribute a
            WHERE a.attrelid = 'pg_temp.contacts'::regclass AND a.attnum > 0
            ORDER BY a.attnum LOOP
    IF r.own THEN
      IF r.col NOT IN ('id', 'data') THEN
        cc := cc || ', ' || quote_ident(r.col);
        cv := cv || ', NEW.' || quote_ident(r.col);
      END IF;
    ELSIF r.state THEN
      sc := sc || ', ' || quote_ident(r.col);
      sv := sv || CASE WHEN r.col = 'score'
                       THEN ', coalesce(NEW.score, 0)'
                       ELSE ', NEW.' || quote_ident(r.col) END;
    ELSE
      dv := dv || format(' || jsonb_build_object(%L, lr_compat.affine('
                         'NEW.%I::text, %L))', r.col, r.col,
                         coalesce(r.ftype, 'text'));
      -- an UPDATE keeps the values it does not change as they were (the
      -- view's column has one type; the value its own)
      du := coalesce(du, 'coalesce(NEW.data, ''{}''::jsonb)') || format(
              ' || jsonb_build_object(%L, CASE WHEN NEW.%I IS NOT DISTINCT '
              'FROM OLD.%2$I THEN NEW.data->%1$L ELSE lr_compat.affine('
              'NEW.%2$I::text, %3$L) END)', r.col, r.col,
              coalesce(r.ftype, 'text'));
    END IF;
  END LOOP;
  dv := 'jsonb_strip_nulls(' || dv || ')';
  du := 'jsonb_strip_nulls(' || coalesce(du, 'coalesce(NEW.data, ''{}''::jsonb)')
        || ')';
  body := format($b$
DECLARE nid bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.contact_state WHERE contact_id = OLD.id;
    DELETE FROM public.contacts WHERE id = OLD.id;
    RETURN OLD;
  END IF;
  nid := coalesce(NEW.id, (SELECT coalesce(max(id), 0) + 1
                             FROM public.contacts));
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM public.contact_state WHERE contact_id = OLD.id;
    UPDATE public.contacts SET (id, data%1$s) = (nid, %6$s%2$s)
     WHERE id = OLD.id;
  ELSE
    INSERT INTO public.contacts(id, data%1$s) VALUES (nid, %3$s%2$s);
  END IF;
  INSERT INTO public.contact_state(contact_id%4$s) VALUES (nid%5$s);
  NEW.id := nid;
  RETURN NEW;
END $b$, cc, cv, dv, sc, sv, du);
  EXECUTE format('CREATE OR REPLACE FUNCTION lr_compat.contacts_w() '
                 'RETURNS trigger LANGUAGE plpgsql AS %L', body);
  CREATE TRIGGER contacts_w INSTEAD OF INSERT OR UPDATE OR DELETE
    ON pg_temp.contacts FOR EACH ROW EXECUTE FUNCTION lr_compat.contacts_w();
END $$;

-- typeof of an imported field's value: SQLite types each cell (a text
-- field may hold 90210 as an integer), PostgreSQL's contacts.data each
-- JSON value, which the view's one type per column hides; a test reads
-- lr_compat.jtypeof(data->'field') there.
CREATE FUNCTION lr_compat.jtypeof(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(j)
    WHEN 'number' THEN CASE WHEN j::text ~ '[.eE]' THEN 'real'
                            ELSE 'integer' END
    WHEN 'string' THEN 'text' WHEN 'boolean' THEN 'integer'
    ELSE 'null' END $$;


-- typeof of a jsonb value (audit's old_value, new_value): its JSON type.
CREATE FUNCTION lr_compat.typeof(v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT lr_compat.jtypeof(v) $$;

-- quote of an imported field's value (contacts.data) as SQLite's quote of
-- the cell: a number bare, text quoted, NULL.
CREATE FUNCTION lr_compat.jquote(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(j)
    WHEN 'string' THEN lr_compat.quote(j #>> '{}')
    WHEN 'number' THEN j::text WHEN 'boolean' THEN lr_compat.quote(j = 'true')
    ELSE 'NULL' END $$;

-- json_remove(doc, '$.a') for the simple paths the tests use (PostgreSQL's
-- text of the rest: compare it with the same on PostgreSQL).
CREATE FUNCTION lr_compat.json_remove(doc text, path text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT (doc::jsonb #- string_to_array(substr(path, 3), '.'))::text $$;
