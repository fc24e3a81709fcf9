"""Process-wide settings for the ``linkkeeper`` command (not applied by the library on import)."""

from __future__ import annotations

import atexit
import gc

# A scan of a large tree keeps hundreds of thousands of small, acyclic objects alive (one per
# link). With CPython's default threshold (700) the cycle collector walks them over and over; a
# larger first generation makes scans of big trees about 1.6x faster and changes nothing else.
GC_FIRST_GENERATION = 100_000


def tune_for_batch_work() -> None:
    """Collect cycles less often: right for a short-lived process that builds large acyclic data."""
    _, second, third = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, second, third)
    # The interpreter's last full collection walks every object the run built only to free
    # memory the process is about to return anyway (0.35 s after checking 5,000 links); everything
    # alive by then is frozen out of it. Files and the database are closed by then.
    atexit.unregister(gc.freeze)  # once, however often the command runs in one process (tests)
    atexit.register(gc.freeze)
