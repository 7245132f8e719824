-- What visitors search for, which results they open, and the staff's relevance judgments.
-- Nothing here identifies a person: no address, no cookie, no session, and times only to the hour.
CREATE TABLE searches (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    query TEXT NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',
    results INTEGER NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('page', 'api'))
);
CREATE INDEX searches_at ON searches (at);
CREATE INDEX searches_query ON searches (query, at);

CREATE TABLE clicks (
    search_id INTEGER NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (search_id, position)
) WITHOUT ROWID;

CREATE TABLE judgments (
    query TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    grade INTEGER NOT NULL CHECK (grade IN (0, 1)),
    judged_by TEXT NOT NULL,
    judged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (query, entry_id)
);

-- The last nDCG@10 over the judgments computed for each index generation.
CREATE TABLE evaluation_scores (
    generation TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    judgments_key TEXT NOT NULL,
    ndcg REAL NOT NULL,
    queries INTEGER NOT NULL,
    computed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
