"""The history schema, as an ordered list of migrations; ``PRAGMA user_version`` is the count applied."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from linkkeeper.canonical import canonical_url

APPLICATION_ID = 0x4C4B4850  # "LKHP": marks the file as a linkkeeper history


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Each statement on its own: ``executescript`` would commit the caller's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1_initial(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            inputs TEXT NOT NULL,
            settings_digest TEXT NOT NULL,
            completed INTEGER NOT NULL DEFAULT 0,
            network_down INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE urls (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            first_seen INTEGER NOT NULL,
            last_alive INTEGER,
            first_failed INTEGER,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            failing_days INTEGER NOT NULL DEFAULT 0,
            last_failure_day TEXT,
            last_checked INTEGER,
            last_outcome TEXT,
            last_status INTEGER,
            last_final_url TEXT
        );
        CREATE TABLE checks (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            url_id INTEGER NOT NULL REFERENCES urls(id),
            checked_at INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            status INTEGER,
            final_url TEXT,
            error_kind TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            elapsed_ms INTEGER NOT NULL DEFAULT 0,
            from_cache INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, url_id)
        ) WITHOUT ROWID;
        CREATE TABLE occurrences (
            url_id INTEGER NOT NULL REFERENCES urls(id),
            path TEXT NOT NULL,
            line INTEGER NOT NULL,
            col INTEGER NOT NULL,
            kind TEXT NOT NULL,
            first_run INTEGER NOT NULL,
            last_run INTEGER NOT NULL,
            PRIMARY KEY (url_id, path, line, col)
        ) WITHOUT ROWID;
        CREATE INDEX occurrences_by_last_run ON occurrences(last_run);
        CREATE TABLE snapshots (
            url_id INTEGER PRIMARY KEY REFERENCES urls(id),
            looked_up_at INTEGER NOT NULL,
            reference_date INTEGER,
            timestamp TEXT,
            archive_url TEXT,
            captured_status INTEGER,
            reason TEXT
        );
        """,
    )


def _v2_saves(db: sqlite3.Connection) -> None:
    """Save Page Now jobs, so an interrupted ``archive --save`` never submits a URL twice."""
    _run_script(
        db,
        """
        CREATE TABLE saves (
            url_id INTEGER PRIMARY KEY REFERENCES urls(id),
            job_id TEXT,
            submitted_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            timestamp TEXT,
            detail TEXT
        )
        """,
    )


def _v3_rewrites(db: sqlite3.Connection) -> None:
    """Every rewrite ``linkkeeper fix`` made: which link, where, to what, and when."""
    _run_script(
        db,
        """
        CREATE TABLE rewrites (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            path TEXT NOT NULL,
            line INTEGER NOT NULL,
            col INTEGER NOT NULL,
            url TEXT NOT NULL,
            new_url TEXT NOT NULL,
            style TEXT NOT NULL,
            reason TEXT NOT NULL
        )
        """,
    )


def _v4_redirect_chains(db: sqlite3.Connection) -> None:
    """Each check's redirect chain, and each URL's last one (for cached answers), as JSON."""
    _run_script(
        db,
        """
        ALTER TABLE checks ADD COLUMN redirects TEXT;
        ALTER TABLE urls ADD COLUMN last_redirects TEXT
        """,
    )


def _v5_run_counts(db: sqlite3.Connection) -> None:
    """Each run's outcome counts, kept with the run: the reports' charts read them for the last
    runs instead of counting every check of each (runs recorded before have none and are counted)."""
    db.execute("ALTER TABLE runs ADD COLUMN outcome_counts TEXT")


def _v6_run_verdicts(db: sqlite3.Connection) -> None:
    """Each run's verdict counts, so the HTML report's trend counts past runs as its cards count
    this one (runs recorded before have outcome counts only, from which verdicts are estimated)."""
    db.execute("ALTER TABLE runs ADD COLUMN verdict_counts TEXT")


def _v7_canonical_urls(db: sqlite3.Connection) -> None:
    """Web URLs under their canonical spelling (``linkkeeper.canonical``), as ``check`` now keys
    them, so no streak is lost to the change. Where two spellings of one URL were recorded, the
    one checked last keeps its row (its state) and the other's checks, places, snapshot and save
    move to it where that run or place has none."""
    rows = db.execute("SELECT id, url, COALESCE(last_checked, 0) FROM urls").fetchall()
    known = {url: (row_id, checked) for row_id, url, checked in rows}
    for row_id, url, checked in rows:
        normal = canonical_url(url)
        if normal == url:
            continue
        other = known.get(normal)
        if other is None:
            db.execute("UPDATE urls SET url = ? WHERE id = ?", (normal, row_id))
            known[normal] = (row_id, checked)
            continue
        keep, drop = (other[0], row_id) if other[1] >= checked else (row_id, other[0])
        db.execute(
            "DELETE FROM checks WHERE url_id = ? AND run_id IN (SELECT run_id FROM checks WHERE url_id = ?)",
            (drop, keep),
        )
        for table in ("checks", "occurrences", "snapshots", "saves"):
            db.execute(f"UPDATE OR IGNORE {table} SET url_id = ? WHERE url_id = ?", (keep, drop))
            db.execute(f"DELETE FROM {table} WHERE url_id = ?", (drop,))
        first_seen = db.execute("SELECT MIN(first_seen) FROM urls WHERE id IN (?, ?)", (keep, drop)).fetchone()[0]
        db.execute("DELETE FROM urls WHERE id = ?", (drop,))
        db.execute("UPDATE urls SET url = ?, first_seen = ? WHERE id = ?", (normal, first_seen, keep))
        known[normal] = (keep, max(other[1], checked))


def _v8_reference_rot(db: sqlite3.Connection) -> None:
    """What a page looked like when first seen alive (a compact fingerprint), whether and since
    when it drifted from that, and the random-sibling probes that tell a soft-404 site."""
    _run_script(
        db,
        """
        ALTER TABLE urls ADD COLUMN fingerprint TEXT;
        ALTER TABLE urls ADD COLUMN drift REAL;
        ALTER TABLE urls ADD COLUMN drifted_since INTEGER;
        ALTER TABLE urls ADD COLUMN drift_title TEXT;
        CREATE TABLE probes (
            host TEXT NOT NULL,
            folder TEXT NOT NULL,
            checked_at INTEGER NOT NULL,
            answer TEXT NOT NULL,
            PRIMARY KEY (host, folder)
        ) WITHOUT ROWID
        """,
    )


def _v9_state_order(db: sqlite3.Connection) -> None:
    """The run whose check last moved a link's state: with the check's time (its run's start),
    the order in which overlapping runs' answers apply (the run that commits last may have asked
    first)."""
    _run_script(db, "ALTER TABLE urls ADD COLUMN state_run INTEGER")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_initial,
    _v2_saves,
    _v3_rewrites,
    _v4_redirect_chains,
    _v5_run_counts,
    _v6_run_verdicts,
    _v7_canonical_urls,
    _v8_reference_rot,
    _v9_state_order,
]
"""Append only: migration i brings the schema from version i to i + 1."""
