-- Collections and their versions. A collection's whole state (title, slug, description,
-- themes, saved search, pinned and hidden ids, published) is the JSON of its current
-- version, and the collections row repeats what lists and lookups need. Versions are only
-- ever added: restoring an old one adds a new version equal to it. Deleting a collection
-- marks it deleted and keeps its history, and its slug becomes free again.
-- (No semicolons in comments: migrations are split on them.)
CREATE TABLE collections (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    deleted_at TEXT
);
CREATE UNIQUE INDEX collections_live_slug ON collections (slug) WHERE deleted_at IS NULL;

CREATE TABLE collection_versions (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    summary TEXT NOT NULL,
    UNIQUE (collection_id, number)
);
