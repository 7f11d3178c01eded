/**
 * The log's schema in PostgreSQL, version for version the SQLite one
 * (`../sqlite/schema.ts`): the same tables, columns and indexes, so one reader
 * definition fits both. A migration is only ever added, never changed.
 *
 * Types: times and durations are epoch ms in BIGINT (not `timestamptz`), so
 * rows, buckets and queries are the same numbers as in SQLite and in the
 * records; counts INTEGER/BIGINT; costs DOUBLE PRECISION; flags BOOLEAN;
 * models and tags as JSON text (`models`, `tags`), tags also as rows of
 * `request_tags` for indexed filtering. Text is `COLLATE "C"` (byte order, as
 * SQLite compares), so ordered answers agree with SQLite whatever the database locale.
 */
export const postgresMigrations: readonly string[] = [
  `
  CREATE TABLE requests (
    request_id TEXT COLLATE "C" PRIMARY KEY,
    started_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    chain TEXT COLLATE "C" NOT NULL,
    method TEXT COLLATE "C" NOT NULL,
    models TEXT COLLATE "C" NOT NULL,
    tags TEXT COLLATE "C" NOT NULL,
    outcome TEXT COLLATE "C" NOT NULL,
    model TEXT COLLATE "C",
    provider TEXT COLLATE "C",
    model_id TEXT COLLATE "C",
    response_model TEXT COLLATE "C",
    finish_reason TEXT COLLATE "C",
    error_name TEXT COLLATE "C",
    error_kind TEXT COLLATE "C",
    exhausted_reason TEXT COLLATE "C",
    error_message TEXT COLLATE "C",
    calls INTEGER NOT NULL,
    skips INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    fallbacks INTEGER NOT NULL,
    resets INTEGER NOT NULL,
    first_token_ms BIGINT,
    input_tokens BIGINT NOT NULL,
    cached_input_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    usage_estimated BOOLEAN NOT NULL,
    cost_answer DOUBLE PRECISION NOT NULL,
    cost_wasted DOUBLE PRECISION NOT NULL,
    cost_complete BOOLEAN NOT NULL,
    prompt TEXT COLLATE "C",
    answer TEXT COLLATE "C"
  );
  CREATE INDEX requests_by_time ON requests (started_at);
  CREATE INDEX requests_by_model ON requests (model, started_at);
  CREATE INDEX requests_by_outcome ON requests (outcome, started_at);
  CREATE INDEX requests_by_chain ON requests (chain, started_at);

  CREATE TABLE attempts (
    request_id TEXT COLLATE "C" NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    model TEXT COLLATE "C" NOT NULL,
    provider TEXT COLLATE "C" NOT NULL,
    model_id TEXT COLLATE "C" NOT NULL,
    attempt INTEGER NOT NULL,
    outcome TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C",
    skip_reason TEXT COLLATE "C",
    status INTEGER,
    message TEXT COLLATE "C",
    waited_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    first_token_ms BIGINT,
    probe BOOLEAN NOT NULL,
    fell_back BOOLEAN NOT NULL,
    input_tokens BIGINT,
    cached_input_tokens BIGINT,
    cache_write_tokens BIGINT,
    output_tokens BIGINT,
    reasoning_tokens BIGINT,
    usage_estimated BOOLEAN,
    cost DOUBLE PRECISION,
    response_id TEXT COLLATE "C",
    response_model TEXT COLLATE "C",
    finish_reason TEXT COLLATE "C",
    PRIMARY KEY (request_id, seq)
  );

  CREATE TABLE request_tags (
    request_id TEXT COLLATE "C" NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (request_id, key)
  );
  CREATE INDEX request_tags_by_value ON request_tags (key, value, request_id);

  CREATE TABLE drops (
    at BIGINT NOT NULL,
    chain TEXT COLLATE "C" NOT NULL,
    count INTEGER NOT NULL
  );
  CREATE INDEX drops_by_time ON drops (at);
  `,
  // 2: shadow calls of sampled requests, as in SQLite.
  `
  CREATE TABLE shadows (
    request_id TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    chain TEXT COLLATE "C" NOT NULL,
    model TEXT COLLATE "C" NOT NULL,
    answering_model TEXT COLLATE "C" NOT NULL,
    outcome TEXT COLLATE "C" NOT NULL,
    skip_reason TEXT COLLATE "C",
    kind TEXT COLLATE "C",
    message TEXT COLLATE "C",
    duration_ms BIGINT NOT NULL,
    input_tokens BIGINT,
    output_tokens BIGINT,
    cost DOUBLE PRECISION,
    failed_check TEXT COLLATE "C",
    real_failed_check TEXT COLLATE "C",
    answer TEXT COLLATE "C",
    PRIMARY KEY (request_id, model)
  );
  CREATE INDEX shadows_by_time ON shadows (at);
  `,
  // 3: hedged requests, as in SQLite (a constant default: PostgreSQL adds the columns without rewriting the tables).
  `
  ALTER TABLE requests ADD COLUMN hedges INTEGER NOT NULL DEFAULT 0, ADD COLUMN hedges_won INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE attempts ADD COLUMN hedge BOOLEAN NOT NULL DEFAULT FALSE, ADD COLUMN lost_hedge_to TEXT COLLATE "C";
  `,
];
