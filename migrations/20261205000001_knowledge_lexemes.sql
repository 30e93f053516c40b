-- How many of a business's passages have each word (lexeme): the keyword half of a knowledge
-- search leaves out pairs of a question's words that are both common in the business's passages.
-- Such a pair matched most of a large business's passages, and ranking them all took up to a
-- second (README, "Knowledge benchmarks"). Triggers on knowledge_chunks keep the counts, so every
-- way passages come and go (indexing, replacement, deletion, a cascade from a document, client or
-- business, a truncate) keeps them right. A row whose count reaches zero is deleted, so a deleted
-- business leaves none behind (no foreign key: the business's cascade and its passages' deletion
-- would race for the rows).
CREATE TABLE knowledge_lexemes (
    business_id uuid NOT NULL,
    lexeme      text NOT NULL,
    passages    integer NOT NULL,
    PRIMARY KEY (business_id, lexeme)
);

-- One upsert in key order per statement, and one transaction at a time per business, from its
-- first change of the counts to its commit. Indexing a new version deletes the old passages and
-- inserts the new ones in two statements; two such transactions for one business could otherwise
-- each hold counts the other's second statement needs, and one would be aborted as a deadlock
-- (its document retried later by the queue). The advisory lock is keyed by the business (a hash:
-- two businesses that collide only wait for each other), taken in key order, so a statement over
-- several businesses takes them in the same order too. The zero counts a deletion leaves are
-- removed for the words it removed only.
CREATE FUNCTION knowledge_lexemes_count() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER knowledge_lexemes_added AFTER INSERT ON knowledge_chunks
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION knowledge_lexemes_count();
CREATE TRIGGER knowledge_lexemes_removed AFTER DELETE ON knowledge_chunks
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION knowledge_lexemes_count();
CREATE TRIGGER knowledge_lexemes_changed AFTER UPDATE ON knowledge_chunks
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION knowledge_lexemes_count();

-- A truncate that reaches the passages (the benchmarks' seed truncates businesses) empties the
-- counts.
CREATE FUNCTION knowledge_lexemes_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE knowledge_lexemes;
    RETURN NULL;
END
$$;

CREATE TRIGGER knowledge_lexemes_truncated AFTER TRUNCATE ON knowledge_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION knowledge_lexemes_truncated();

INSERT INTO knowledge_lexemes (business_id, lexeme, passages)
SELECT k.business_id, w.lexeme, count(*)
FROM knowledge_chunks k, unnest(tsvector_to_array(k.content_tsv)) AS w(lexeme)
GROUP BY 1, 2;

-- Searches read the full-text index far more often than passages are written: without the
-- pending list, a write updates the index at once, and a search no longer scans up to 4 MB of
-- unsorted entries first (it took 15-20 ms of the benchmark's 30 ms search).
ALTER INDEX knowledge_chunks_text SET (fastupdate = off);
SELECT gin_clean_pending_list('knowledge_chunks_text'::regclass);
