"""What every scenario module shares: the standard arms and the scenarios' titles."""

from __future__ import annotations

from ..servers import Arm

APP, BARE = Arm("app"), Arm("bare", kind="bare")
# The bare relay keeping each card as the app's write must (bench/keeper.py): the floor, how
# near bare any app that keeps its cards could come in the same rooms.
BARE_KEPT = Arm("bare-kept", kind="bare", keep=True)
# The same on the brief's fixed HTTP server, uvicorn, with no framework: the least the stack
# itself allows.
KEPT_UVICORN = Arm("kept-uvicorn", kind="bare", keep=True, uvicorn=True)
FLOORS = [BARE_KEPT, KEPT_UVICORN]
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
