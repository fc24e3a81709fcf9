"""The history stage: every check remembered, verdicts over time, and the cache."""

from linkkeeper.history.store import History
from linkkeeper.history.verdict import Judged, judge, next_state

__all__ = ["History", "Judged", "judge", "next_state"]
