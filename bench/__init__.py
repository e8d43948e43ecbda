"""Benchmark harness for Peer Assist Live: `make bench`, `make bench-quick`."""

import importlib.util
import sys

if importlib.util.find_spec("sniffio") is None:
    # httpcore tries `import sniffio` on every request; a failed import is not cached, and
    # searching sys.path each time costs more than the request. None here makes it fail fast,
    # with the same outcome (httpcore then assumes asyncio).
    sys.modules["sniffio"] = None  # type: ignore[assignment]
