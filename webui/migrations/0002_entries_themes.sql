-- Entries pushed through the API, staff's theme overrides and staff's edits to themes.
-- Every indexing run reads these (webui/curation.py), so a full rebuild keeps them.

-- An entry sent with PUT /api/v1/entries/<id>, in the corpus's JSON shape, as validated.
CREATE TABLE pushed_entries (
    id TEXT PRIMARY KEY,
    entry TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_by TEXT NOT NULL
);

-- An entry's themes chosen by staff (a JSON list of theme ids), indexed as curated.
-- confirmed = 1: staff kept the automatically assigned themes from the review list.
CREATE TABLE theme_overrides (
    entry_id TEXT PRIMARY KEY,
    themes TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- A theme's label, description and keywords (a JSON list) replacing the themes file's.
CREATE TABLE theme_edits (
    theme_id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT NOT NULL,
    edited_by TEXT NOT NULL,
    edited_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
