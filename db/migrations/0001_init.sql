-- 0001_init.sql: the first schema: migration bookkeeping, the catalog (hardware,
-- models, quants) and the knowledge base (error pages and their signatures).
-- Never edit once released; add NNNN_next.sql instead. Holds no data: the runner
-- records its own schema_migrations row and the seed loader fills the tables.

CREATE TABLE schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
) STRICT;

-- One row per loaded seed ('catalog'); content_hash is the embedded seed's SHA-256.
CREATE TABLE seed_state (
    name          TEXT PRIMARY KEY,
    content_hash  TEXT NOT NULL CHECK (content_hash <> ''),
    loaded_at     TEXT NOT NULL
) STRICT;

-- Every catalog table keeps the whole seed object in doc (the API object) and
-- copies the columns list filters need. Ids are lowercase slugs.
CREATE TABLE hardware (
    id             TEXT PRIMARY KEY CHECK (id <> '' AND id = lower(id) AND length(id) <= 64),
    vendor         TEXT NOT NULL CHECK (vendor <> ''),
    name           TEXT NOT NULL CHECK (name <> ''),
    kind           TEXT NOT NULL CHECK (kind IN ('gpu', 'unified', 'cpu')),
    backend        TEXT NOT NULL CHECK (backend IN ('cuda', 'metal', 'rocm', 'vulkan', 'cpu')),
    memory_gb      REAL NOT NULL CHECK (memory_gb > 0),
    bandwidth_gbs  REAL CHECK (bandwidth_gbs IS NULL OR bandwidth_gbs >= 0),
    doc            TEXT NOT NULL CHECK (json_valid(doc)),
    source         TEXT NOT NULL CHECK (source <> ''),
    last_verified  TEXT NOT NULL
        CHECK (last_verified GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]')
) STRICT;
CREATE INDEX hardware_vendor ON hardware (vendor);
CREATE INDEX hardware_kind ON hardware (kind);

CREATE TABLE model (
    id                       TEXT PRIMARY KEY
        CHECK (id <> '' AND id = lower(id) AND length(id) <= 64),
    name                     TEXT NOT NULL CHECK (name <> ''),
    family                   TEXT NOT NULL CHECK (family <> ''),
    params                   INTEGER NOT NULL CHECK (params > 0),
    max_position_embeddings  INTEGER NOT NULL CHECK (max_position_embeddings > 0),
    doc                      TEXT NOT NULL CHECK (json_valid(doc)),
    source                   TEXT NOT NULL CHECK (source <> ''),
    last_verified            TEXT NOT NULL
        CHECK (last_verified GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]')
) STRICT;
CREATE INDEX model_family ON model (family);

-- Quants: id is the lowercased canonical spelling; canonical_id keeps "Q4_K_M".
CREATE TABLE quant (
    id               TEXT PRIMARY KEY CHECK (id <> '' AND id = lower(canonical_id)),
    canonical_id     TEXT NOT NULL UNIQUE,
    format           TEXT NOT NULL CHECK (format IN ('gguf', 'mlx', 'hf')),
    bits_per_weight  REAL NOT NULL CHECK (bits_per_weight > 0),
    quality_rank     INTEGER NOT NULL,
    doc              TEXT NOT NULL CHECK (json_valid(doc)),
    source           TEXT NOT NULL CHECK (source <> ''),
    last_verified    TEXT NOT NULL
        CHECK (last_verified GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]')
) STRICT;

-- Knowledge-base pages; source holds the page's sources[] joined with "; ".
CREATE TABLE error_page (
    id               TEXT PRIMARY KEY
        CHECK (id <> '' AND id = lower(id) AND length(id) <= 64),
    title            TEXT NOT NULL CHECK (title <> ''),
    platform         TEXT NOT NULL CHECK (platform <> ''),
    severity         TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
    root_cause_rank  INTEGER NOT NULL CHECK (root_cause_rank >= 0),
    doc              TEXT NOT NULL CHECK (json_valid(doc)),
    source           TEXT NOT NULL CHECK (source <> ''),
    last_verified    TEXT NOT NULL
        CHECK (last_verified GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]')
) STRICT;
CREATE INDEX error_page_platform ON error_page (platform);

-- Every message text a page answers to: its signature (position 0) and the
-- entries of signatures[], in page order.
CREATE TABLE error_signature (
    page_id   TEXT NOT NULL REFERENCES error_page (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position >= 0),
    text      TEXT NOT NULL CHECK (text <> ''),
    PRIMARY KEY (page_id, position)
) STRICT;
