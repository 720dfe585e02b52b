"""Human evaluation (HYPE-infinity): studies of real and generated items, rater sessions, a real database.

Shared code, independent of any family: :mod:`.db` (SQLite or PostgreSQL, migrations), :mod:`.items`
(what a family gives: item files from a run), :mod:`.study` (studies, sessions, ratings),
:mod:`.stats` (HYPE-infinity and its bootstrap interval) and :mod:`.results` (scores and the CSV export).
The CLI's ``ganforge rate`` and the studio's Rate page are the surfaces on top.
"""
