-- Passages and questions are embedded with 512 components instead of 1,536
-- (`shared::knowledge::embedder::DIMENSIONS`): a third of the size on disk and in memory, for
-- every vector and both kinds of HNSW index, and a faster walk per search.
--
-- text-embedding-3-small is trained so that a prefix of its vector is itself an embedding; the
-- API's `dimensions` parameter gives the first 512 components, re-normalised. The vectors already
-- stored are cut the same way, so no passage of that model has to be embedded again. Any other
-- model's vectors (the local lexical embedder's, `studioconnect-lexical-v1`) keep their model's
-- name: a search compares only vectors of its own model, and `studioconnect knowledge reembed`
-- queues those documents, as after any change of model.

-- The HNSW indexes over the column are made again for the new size. The shared one is dropped
-- here and built by the next migration without locking the table (building it here would hold
-- the table for the whole build: 149 s for 100,000 passages on the benchmark's machine). A
-- business's own HNSW index names the size in its expression (`embedding::halfvec(1536)`), which
-- no longer fits the column: they are dropped here and the hourly sweep
-- (`KnowledgeJob::MaintainIndexes`) builds them again. Until then searches are exact scans of
-- each business's passages, through `knowledge_chunks_business`.
DROP INDEX IF EXISTS knowledge_chunks_embedding;
DO $$
DECLARE
    own text;
BEGIN
    FOR own IN
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'knowledge_chunks'::regclass AND c.relname LIKE 'knowledge\_vectors\_%'
    LOOP
        EXECUTE format('DROP INDEX %I', own);
    END LOOP;
END
$$;

ALTER TABLE knowledge_chunks
    ALTER COLUMN embedding TYPE vector(512) USING l2_normalize(subvector(embedding, 1, 512));
ALTER TABLE knowledge_searches
    ALTER COLUMN query_embedding TYPE vector(512)
    USING l2_normalize(subvector(query_embedding, 1, 512));
