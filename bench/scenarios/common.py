"""What every scenario module shares: the standard arms and the scenarios' titles."""

from __future__ import annotations

from ..servers import Arm

APP, BARE = Arm("app"), Arm("bare", kind="bare")
HTML = Arm("app-html", socket="html")
APP_DEFLATE = Arm("app-deflate", deflate=True)
BARE_DEFLATE = Arm("bare-deflate", kind="bare", deflate=True)

TITLES = {
    "0": "request cost",
    "1": "typical",
    "2": "capacity",
    "3": "big room",
    "4": "connections",
    "5": "slow readers",
    "6": "htmx HTML socket",
    "7": "permessage-deflate",
    "8": "Redis fan-out",
    "9": "writes",
}
