-- Schema version 5: the viewer's screen rendition of large image scans (issue 11: the
-- first image of a 12-megapixel photo at once). Frozen like the others.

-- A JPEG or PNG scan larger than a screen (longest side over 2048 pixels) keeps, beside
-- its thumbnail, the page halved until it fits, as baseline JPEG, inside the encrypted
-- database: the viewer shows it first and loads the page itself when zoomed past it.
-- Scans imported before this version have none, and open with the page itself.
CREATE TABLE scan_screens (
    scan_id TEXT PRIMARY KEY REFERENCES scans (id),
    kind TEXT NOT NULL CHECK (kind = 'jpeg'),
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL
) STRICT;
