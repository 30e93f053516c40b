-- no-transaction
-- The shared HNSW index over the 512-component vectors (the previous migration dropped the
-- 1,536-component one), built while searches and ingestion go on. If the build fails, it leaves
-- an invalid index of this name: drop it (`DROP INDEX CONCURRENTLY knowledge_chunks_embedding`)
-- and run the migrations again.
CREATE INDEX CONCURRENTLY knowledge_chunks_embedding ON knowledge_chunks USING hnsw (embedding vector_cosine_ops);
