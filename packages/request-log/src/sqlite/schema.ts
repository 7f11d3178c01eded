/**
 * The log's schema, one migration per version; a file's `PRAGMA user_version`
 * says which it has. A migration is only ever added, never changed: files
 * written by an older version are brought up by the migrations they lack.
 *
 * Times are epoch ms (INTEGER), durations ms, costs in the unit of the chain's
 * prices (REAL); booleans 0/1; optional facts NULL. Tags live twice: as JSON on
 * the request (read back whole) and as rows of `request_tags` (filtered by index).
 * Shadow calls (version 2) live in `shadows`, keyed by their request and model,
 * without a foreign key: a shadow row may be written before its request's.
 * Hedges (version 3) are columns: the hedges a request started and those the
 * second call won on `requests`, and on `attempts` whether a call was a hedge
 * and, for a call that lost one, the model that won it. Rows written before
 * version 3 read as no hedge (there were none).
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE requests (
    request_id TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    chain TEXT NOT NULL,
    method TEXT NOT NULL,
    models TEXT NOT NULL,
    tags TEXT NOT NULL,
    outcome TEXT NOT NULL,
    model TEXT,
    provider TEXT,
    model_id TEXT,
    response_model TEXT,
    finish_reason TEXT,
    error_name TEXT,
    error_kind TEXT,
    exhausted_reason TEXT,
    error_message TEXT,
    calls INTEGER NOT NULL,
    skips INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    fallbacks INTEGER NOT NULL,
    resets INTEGER NOT NULL,
    first_token_ms INTEGER,
    input_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    usage_estimated INTEGER NOT NULL,
    cost_answer REAL NOT NULL,
    cost_wasted REAL NOT NULL,
    cost_complete INTEGER NOT NULL,
    prompt TEXT,
    answer TEXT
  );
  CREATE INDEX requests_by_time ON requests (started_at);
  CREATE INDEX requests_by_model ON requests (model, started_at);
  CREATE INDEX requests_by_outcome ON requests (outcome, started_at);
  CREATE INDEX requests_by_chain ON requests (chain, started_at);

  CREATE TABLE attempts (
    request_id TEXT NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    model_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    kind TEXT,
    skip_reason TEXT,
    status INTEGER,
    message TEXT,
    waited_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    first_token_ms INTEGER,
    probe INTEGER NOT NULL,
    fell_back INTEGER NOT NULL,
    input_tokens INTEGER,
    cached_input_tokens INTEGER,
    cache_write_tokens INTEGER,
    output_tokens INTEGER,
    reasoning_tokens INTEGER,
    usage_estimated INTEGER,
    cost REAL,
    response_id TEXT,
    response_model TEXT,
    finish_reason TEXT,
    PRIMARY KEY (request_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE request_tags (
    request_id TEXT NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (request_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX request_tags_by_value ON request_tags (key, value, request_id);

  CREATE TABLE drops (
    at INTEGER NOT NULL,
    chain TEXT NOT NULL,
    count INTEGER NOT NULL
  );
  CREATE INDEX drops_by_time ON drops (at);
  `,
  // 2: shadow calls of sampled requests (`shadow` sampling), apart from the requests and their attempts.
  `
  CREATE TABLE shadows (
    request_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    chain TEXT NOT NULL,
    model TEXT NOT NULL,
    answering_model TEXT NOT NULL,
    outcome TEXT NOT NULL,
    skip_reason TEXT,
    kind TEXT,
    message TEXT,
    duration_ms INTEGER NOT NULL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cost REAL,
    failed_check TEXT,
    real_failed_check TEXT,
    answer TEXT,
    PRIMARY KEY (request_id, model)
  ) WITHOUT ROWID;
  CREATE INDEX shadows_by_time ON shadows (at);
  `,
  // 3: hedged requests (a model called beside a slow one): how many a request started and won, and which calls were hedges or lost one.
  `
  ALTER TABLE requests ADD COLUMN hedges INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE requests ADD COLUMN hedges_won INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE attempts ADD COLUMN hedge INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE attempts ADD COLUMN lost_hedge_to TEXT;
  `,
];

/** The schema version this package writes and reads. */
export const schemaVersion = migrations.length;
