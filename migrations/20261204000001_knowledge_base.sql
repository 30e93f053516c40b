-- The knowledge base (issue #19): each business's documents, their passages with an embedding and
-- a full-text vector, and the log of every search the agent made.

-- The short FAQ every call's prompt carries (the agent needs no search for it). Part of the agent
-- settings, so its writes bump the business's configuration version (the personalization cache).
ALTER TABLE agent_configs
    ADD COLUMN faq text NOT NULL DEFAULT '' CHECK (length(faq) <= 2000);

-- Postgres' text search configuration for an agent language ('en', 'pt-BR', ...): its stemmer and
-- stop words. One place for the rule: passages are indexed and questions parsed with it. A
-- language Postgres has no stemmer for gets 'simple' (words as written, no stop words).
CREATE FUNCTION knowledge_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE split_part(lower(language), '-', 1)
        WHEN 'ar' THEN 'arabic' WHEN 'ca' THEN 'catalan' WHEN 'da' THEN 'danish'
        WHEN 'de' THEN 'german' WHEN 'el' THEN 'greek' WHEN 'en' THEN 'english'
        WHEN 'es' THEN 'spanish' WHEN 'eu' THEN 'basque' WHEN 'fi' THEN 'finnish'
        WHEN 'fr' THEN 'french' WHEN 'ga' THEN 'irish' WHEN 'hi' THEN 'hindi'
        WHEN 'hu' THEN 'hungarian' WHEN 'hy' THEN 'armenian' WHEN 'id' THEN 'indonesian'
        WHEN 'it' THEN 'italian' WHEN 'lt' THEN 'lithuanian' WHEN 'ne' THEN 'nepali'
        WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian' WHEN 'no' THEN 'norwegian'
        WHEN 'nl' THEN 'dutch' WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian'
        WHEN 'ru' THEN 'russian' WHEN 'sr' THEN 'serbian' WHEN 'sv' THEN 'swedish'
        WHEN 'ta' THEN 'tamil' WHEN 'tr' THEN 'turkish' WHEN 'yi' THEN 'yiddish'
        ELSE 'simple'
    END::regconfig
$$;

-- A document: its text as extracted (markdown where the source had structure), where it came
-- from, and who may hear it. `version` grows with every replacement; the ingestion worker indexes
-- one version and swaps its passages in only if that version is still the current one.
CREATE TABLE knowledge_documents (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id    uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    -- NULL: every caller of the business; else only that client (a known, trusted caller).
    client_id      uuid,
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    source_kind    text NOT NULL CHECK (source_kind IN ('text', 'markdown', 'pdf', 'docx', 'html', 'url')),
    -- The file's name or the URL it was imported from.
    source_name    text CHECK (length(source_name) <= 2048),
    body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 1000000),
    version        integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    status         text NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'ready', 'failed')),
    failure_reason text CHECK (length(failure_reason) <= 1000),
    passage_count  integer NOT NULL DEFAULT 0,
    created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    indexed_at     timestamptz,
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
    UNIQUE (id, business_id),
    -- A client-scoped document belongs to that client's own business, never another's.
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE CASCADE
);

-- The list pages newest first; a client's deletion finds its documents (and cascades).
CREATE INDEX knowledge_documents_business ON knowledge_documents (business_id, created_at DESC, id);
CREATE INDEX knowledge_documents_client ON knowledge_documents (client_id) WHERE client_id IS NOT NULL;

-- A passage, with what retrieval filters on copied from its document (business, client scope), so
-- one index scan filters and ranks together. `embedding_model` is the model that made the vector:
-- a search compares only vectors of its own model, and the re-embed command finds the others.
CREATE TABLE knowledge_chunks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id      uuid NOT NULL,
    business_id      uuid NOT NULL,
    client_id        uuid,
    document_version integer NOT NULL,
    ordinal          integer NOT NULL CHECK (ordinal >= 0),
    -- "Pricing > Logos": the headings above the passage, spoken context for the agent.
    heading_path     text NOT NULL DEFAULT '',
    content          text NOT NULL CHECK (length(content) BETWEEN 1 AND 4000),
    embedding        vector(1536) NOT NULL,
    embedding_model  text NOT NULL,
    search_config    regconfig NOT NULL,
    content_tsv      tsvector GENERATED ALWAYS AS (
        to_tsvector(search_config, heading_path || ' ' || content)
    ) STORED,
    UNIQUE (document_id, ordinal),
    FOREIGN KEY (document_id, business_id) REFERENCES knowledge_documents (id, business_id) ON DELETE CASCADE
);

-- Cosine distance, as OpenAI's embeddings (unit length) and the lexical embedder are meant to be
-- compared. A business filter is applied during the scan (`hnsw.iterative_scan`, set per search).
CREATE INDEX knowledge_chunks_embedding ON knowledge_chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX knowledge_chunks_text ON knowledge_chunks USING gin (content_tsv);
-- A small business's search is an exact scan of its own passages through this index.
CREATE INDEX knowledge_chunks_business ON knowledge_chunks (business_id, client_id);

-- Every search the agent made: what was asked, what came back with its scores, how long it took.
-- A search that found nothing over the minimum score is an unanswered question; its embedding
-- lets the dashboard group similar ones.
CREATE TABLE knowledge_searches (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    business_id     uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    conversation_id text CHECK (length(conversation_id) <= 200),
    client_id       uuid,
    query           text NOT NULL CHECK (length(query) BETWEEN 1 AND 1000),
    query_embedding vector(1536),
    embedding_model text NOT NULL,
    -- [{"chunk_id", "document_id", "title", "score", "similarity"}], best first.
    results         jsonb NOT NULL DEFAULT '[]',
    answered        boolean NOT NULL,
    latency_ms      real NOT NULL CHECK (latency_ms >= 0),
    searched_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE SET NULL (client_id)
);

CREATE INDEX knowledge_searches_business ON knowledge_searches (business_id, searched_at DESC);
CREATE INDEX knowledge_searches_client ON knowledge_searches (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX knowledge_searches_unanswered ON knowledge_searches (business_id, searched_at DESC)
    WHERE NOT answered;
