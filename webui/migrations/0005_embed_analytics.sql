-- Where searches come from, for the library's partners: the site (the host of another site's
-- page that made the search, from the Origin or Referer header, never the page's address,
-- empty on the library's own pages) and the scope asked for (collection and themes).
ALTER TABLE searches ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE searches ADD COLUMN scope TEXT NOT NULL DEFAULT '';
CREATE INDEX searches_site ON searches (site, at);

-- Loads of the embeddable search page (/embed) in another site's iframe: how many per hour,
-- site (the host of the page that shows it) and scope. Nothing about who looked.
CREATE TABLE embed_views (
    at TEXT NOT NULL,
    site TEXT NOT NULL,
    scope TEXT NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (at, site, scope)
) WITHOUT ROWID;
