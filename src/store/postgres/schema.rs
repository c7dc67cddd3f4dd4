//! The PostgreSQL schema, as migrations (append only; `meta.schema_version` counts
//! the ones applied). Every migration runs in one transaction under an advisory
//! lock, so workers starting together migrate once.

/// The expression of an article's sortable day from `published` (`YYYY-MM` → its
/// first day), as in the SQLite schema.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the same tables as the SQLite store (issue 13–16 columns included), plus:
    // - two stored tsvectors kept by a trigger: folded (unaccent: "hoi dam" finds
    //   "hội đàm", đ → d) and accented (case folded only), each title (weight A) and
    //   body (B), with GIN indexes;
    // - `index_entries` + `bands`: the shared near-duplicate index (every text of an
    //   article under its id, with its LSH band keys) that workers on several hosts
    //   read before deciding;
    // - `claims`: which worker has taken which file, until when.
    r#"
    CREATE EXTENSION IF NOT EXISTS unaccent;
    CREATE TABLE articles (
        id                  BIGSERIAL PRIMARY KEY,
        title               TEXT,
        published           TEXT,
        author              TEXT,
        body                TEXT NOT NULL,
        captions            TEXT NOT NULL DEFAULT '[]',
        content_sha256      TEXT NOT NULL UNIQUE,
        ingested_at         TEXT NOT NULL,
        url                 TEXT,
        site_name           TEXT,
        lang                TEXT,
        text_source_id      BIGINT,
        published_day       TEXT GENERATED ALWAYS AS (
            CASE WHEN published ~ '^[0-9]{4}-[0-9]{2}$' THEN published || '-01'
                 WHEN published ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN published END) STORED,
        published_precision TEXT GENERATED ALWAYS AS (
            CASE WHEN published ~ '^[0-9]{4}-[0-9]{2}$' THEN 'month'
                 WHEN published ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN 'day' END) STORED,
        search_folded       TSVECTOR,
        search_accented     TSVECTOR
    );
    CREATE INDEX articles_ingested ON articles(ingested_at);
    CREATE INDEX articles_published_day ON articles(published_day);
    CREATE INDEX articles_folded ON articles USING GIN (search_folded);
    CREATE INDEX articles_accented ON articles USING GIN (search_accented);
    CREATE FUNCTION news_ingest_index_article() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_folded :=
            setweight(to_tsvector('simple', unaccent(coalesce(NEW.title, ''))), 'A') ||
            setweight(to_tsvector('simple', unaccent(NEW.body)), 'B');
        NEW.search_accented :=
            setweight(to_tsvector('simple', coalesce(NEW.title, '')), 'A') ||
            setweight(to_tsvector('simple', NEW.body), 'B');
        RETURN NEW;
    END $$;
    CREATE TRIGGER articles_index BEFORE INSERT OR UPDATE OF title, body ON articles
        FOR EACH ROW EXECUTE FUNCTION news_ingest_index_article();
    CREATE TABLE sources (
        id              BIGSERIAL PRIMARY KEY,
        path            TEXT NOT NULL,
        path_bytes      BYTEA NOT NULL,
        size            BIGINT NOT NULL,
        mtime_ns        BIGINT NOT NULL,
        file_sha256     TEXT,
        status          TEXT NOT NULL
                        CHECK (status IN ('stored','duplicate','near_duplicate','rejected','updated')),
        article_id      BIGINT REFERENCES articles(id) ON DELETE CASCADE,
        similarity      DOUBLE PRECISION,
        jaccard         DOUBLE PRECISION,
        containment     DOUBLE PRECISION,
        shared_shingles BIGINT,
        error           TEXT,
        processed_at    TEXT NOT NULL,
        -- mode/owner stamp of a file rejected for a permission error
        access_stamp    BIGINT,
        CHECK ((status = 'rejected') = (article_id IS NULL))
    );
    CREATE INDEX sources_path ON sources(path_bytes, size, mtime_ns);
    CREATE UNIQUE INDEX sources_path_sha ON sources(path_bytes, file_sha256);
    CREATE INDEX sources_file_sha ON sources(file_sha256);
    CREATE INDEX sources_article ON sources(article_id);
    CREATE INDEX sources_text_path ON sources(path);
    ALTER TABLE articles ADD FOREIGN KEY (text_source_id) REFERENCES sources(id) ON DELETE SET NULL;
    CREATE TABLE fingerprints (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        data       BYTEA NOT NULL
    );
    CREATE TABLE signatures (
        article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        shingles   BIGINT NOT NULL,
        data       BYTEA NOT NULL
    );
    CREATE TABLE article_members (
        id          BIGSERIAL PRIMARY KEY,
        article_id  BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        source_id   BIGINT REFERENCES sources(id) ON DELETE SET NULL,
        body        TEXT NOT NULL,
        fingerprint BYTEA NOT NULL
    );
    CREATE INDEX article_members_article ON article_members(article_id, id);
    CREATE TABLE article_revisions (
        id                    BIGSERIAL PRIMARY KEY,
        article_id            BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        title                 TEXT,
        published             TEXT,
        author                TEXT,
        body                  TEXT NOT NULL,
        captions              TEXT NOT NULL,
        content_sha256        TEXT NOT NULL,
        text_source_id        BIGINT REFERENCES sources(id) ON DELETE SET NULL,
        replaced_by_source_id BIGINT REFERENCES sources(id) ON DELETE SET NULL,
        reason                TEXT NOT NULL CHECK (reason IN ('fullest','updated')),
        replaced_at           TEXT NOT NULL
    );
    CREATE INDEX article_revisions_article ON article_revisions(article_id);
    CREATE TABLE index_entries (
        id         BIGSERIAL PRIMARY KEY,
        article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        member_id  BIGINT REFERENCES article_members(id) ON DELETE CASCADE,
        data       BYTEA NOT NULL
    );
    CREATE INDEX index_entries_article ON index_entries(article_id);
    CREATE TABLE bands (
        key      BIGINT NOT NULL,
        entry_id BIGINT NOT NULL REFERENCES index_entries(id) ON DELETE CASCADE
    );
    CREATE INDEX bands_key ON bands(key);
    CREATE INDEX bands_entry ON bands(entry_id);
    CREATE TABLE claims (
        path_bytes BYTEA PRIMARY KEY,
        worker     TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
    );
    CREATE VIEW clusters AS
        SELECT a.id AS article_id, a.title, a.published, a.published_day,
               (SELECT count(*) FROM sources c WHERE c.article_id = a.id) AS files,
               s.id AS source_id, s.path, s.status, s.similarity, s.jaccard, s.containment,
               s.processed_at
        FROM articles a JOIN sources s ON s.article_id = a.id;
    "#,
    // 2: where a merged article went. A writer that decided on an article which
    // another writer then merged away records onto the survivor instead of failing
    // on the foreign key; `show` of a merged id names the survivor. Kept one hop:
    // a merge re-points the rows that led to the article it removes.
    r#"
    CREATE TABLE article_merges (
        from_id   BIGINT PRIMARY KEY,
        into_id   BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        merged_at TEXT NOT NULL
    );
    CREATE INDEX article_merges_into ON article_merges(into_id);
    "#,
];
