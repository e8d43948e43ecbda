"""realtime/uvicorn_ws.py leans on uvicorn's private protocol: it is pinned, and an untested
version fails loudly, here and when the server starts."""

from __future__ import annotations

import asyncio
import re
import tomllib
from pathlib import Path

import pytest
import uvicorn
from uvicorn.server import ServerState

from app.realtime.uvicorn_ws import (
    RELIES_ON,
    TESTED,
    IncompatibleDependency,
    LiveWebSocketProtocol,
    check_compatible,
    compatibility_problems,
)

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_installed_uvicorn_and_websockets_are_the_tested_ones() -> None:
    problems = compatibility_problems()
    assert problems == [], "\n".join(problems)
    check_compatible()


def test_pyproject_pins_the_tested_range() -> None:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    for name, (low, high) in TESTED.items():
        (pin,) = [d for d in deps if re.match(rf"{name}(\[|>|<|=|$)", d)]
        spec = pin.split("]", 1)[-1] if "[" in pin else pin[len(name) :]
        wanted = f">={'.'.join(map(str, low))},<{'.'.join(map(str, high))}"
        assert spec == wanted, f"pyproject.toml pins {pin}; uvicorn_ws.py was tested with {wanted}"


@pytest.mark.parametrize(
    ("installed", "culprit"),
    [
        ({"uvicorn": "0.55.0", "websockets": "17.4"}, "uvicorn 0.55.0"),
        ({"uvicorn": "0.53.1", "websockets": "17.4"}, "uvicorn 0.53.1"),
        ({"uvicorn": "0.54.0", "websockets": "18.0rc1"}, "websockets 18.0rc1"),
    ],
)
def test_an_untested_version_is_named_with_what_to_do(
    installed: dict[str, str], culprit: str
) -> None:
    (problem,) = compatibility_problems(installed)
    assert problem.startswith(culprit) and "tested only with" in problem
    assert "pyproject.toml" in problem


def test_serving_refuses_an_untested_version(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.realtime.uvicorn_ws as ws

    monkeypatch.setattr(ws, "version", lambda name: "99.0")
    with pytest.raises(IncompatibleDependency, match=r"uvicorn 99\.0 is installed"):
        ws.check_compatible()


async def test_the_private_attributes_it_relies_on_exist() -> None:
    async def nothing(scope: dict, receive: object, send: object) -> None:
        return None

    config = uvicorn.Config(nothing, ws="none")
    config.load()
    protocol = LiveWebSocketProtocol(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    missing = [name for name in RELIES_ON if not hasattr(protocol, name)]
    assert missing == [], f"uvicorn's protocol no longer has {missing}: see realtime/uvicorn_ws.py"
