-- One business's word counts are changed by one transaction at a time, from its first change to
-- its commit. Indexing a new version deletes the old passages and inserts the new ones in two
-- statements, each locking the business's counts in key order; two such transactions for one
-- business could otherwise each hold what the other's second statement needs, and one would be
-- aborted as a deadlock (its document retried later by the queue). The advisory lock is keyed by
-- the business (a hash: two businesses that collide only wait for each other), taken in the
-- order of the keys, so a statement over several businesses takes them in the same order too.
-- The zero counts a deletion leaves are removed for the words it removed only.
-- And a TRUNCATE of the passages (the benchmark's seed truncates businesses) empties the counts.
CREATE OR REPLACE FUNCTION knowledge_lexemes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_advisory_xact_lock(1263, b.key)
        FROM (SELECT DISTINCT hashtext(business_id::text) AS key FROM added ORDER BY 1) b;
        INSERT INTO knowledge_lexemes (business_id, lexeme, passages)
        SELECT a.business_id, w.lexeme, count(*)
        FROM added a, unnest(tsvector_to_array(a.content_tsv)) AS w(lexeme)
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (business_id, lexeme)
            DO UPDATE SET passages = knowledge_lexemes.passages + EXCLUDED.passages;
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(1263, b.key)
    FROM (SELECT DISTINCT hashtext(business_id::text) AS key FROM removed ORDER BY 1) b;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO knowledge_lexemes (business_id, lexeme, passages)
        SELECT r.business_id, w.lexeme, -count(*)
        FROM removed r, unnest(tsvector_to_array(r.content_tsv)) AS w(lexeme)
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (business_id, lexeme)
            DO UPDATE SET passages = knowledge_lexemes.passages + EXCLUDED.passages;
    ELSE
        -- An update: its old rows out, its new rows in (one that changes no passage's words
        -- changes no count). Passages never move between businesses (the document's key).
        INSERT INTO knowledge_lexemes (business_id, lexeme, passages)
        SELECT business_id, lexeme, sum(passages) FROM (
            SELECT r.business_id, w.lexeme, -1 AS passages
            FROM removed r, unnest(tsvector_to_array(r.content_tsv)) AS w(lexeme)
            UNION ALL
            SELECT a.business_id, w.lexeme, 1
            FROM added a, unnest(tsvector_to_array(a.content_tsv)) AS w(lexeme)
        ) changed
        GROUP BY 1, 2 HAVING sum(passages) <> 0 ORDER BY 1, 2
        ON CONFLICT (business_id, lexeme)
            DO UPDATE SET passages = knowledge_lexemes.passages + EXCLUDED.passages;
    END IF;
    DELETE FROM knowledge_lexemes k
    WHERE k.passages <= 0 AND (k.business_id, k.lexeme) IN (
        SELECT r.business_id, w.lexeme
        FROM removed r, unnest(tsvector_to_array(r.content_tsv)) AS w(lexeme));
    RETURN NULL;
END
$$;

CREATE FUNCTION knowledge_lexemes_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE knowledge_lexemes;
    RETURN NULL;
END
$$;

CREATE TRIGGER knowledge_lexemes_truncated AFTER TRUNCATE ON knowledge_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION knowledge_lexemes_truncated();
