"""The README documents every setting the app reads."""

from __future__ import annotations

from app.settings import Settings
from tests.conftest import ROOT


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"| `{name.upper()}` |" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"
