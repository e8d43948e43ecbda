"""Beyond keywords: past peer assists that say the same thing in other words.

Optional (`pip install .[semantic]`): model2vec with the small static model that the
`tokenlearn-static-model` package ships inside its wheel (10,000-token vocabulary, 64
dimensions), read from that package's folder. Nothing is fetched at run time, and it runs on
the CPU. Without the extra, `available()` is False and the app says so; keyword search
(`app.search.search`) works either way.

The interface is the keyword search's: `search(conn, text, visible=..., limit=...)` gives
`Hit`s, best first, among the peer assists that `visible` (a SQL condition on `workshop`)
allows. Each peer assist's vector is made from its search text (title, problem, purpose,
actions, takeaways, then cards: the same visible words the keyword index holds) and kept in
this process, keyed by a digest of that text, so a changed peer assist is embedded again and
an unchanged one never is.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import threading
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..db.models import SearchText, Workshop
from . import Hit, documents

_TEXT = SearchText.__table__
_WORKSHOP = Workshop.__table__
# Below this cosine a "similar" peer assist is noise: unrelated problems in this small model
# mostly score 0.2 to 0.45 against each other (tests/search/labelled.py).
MIN_SCORE = 0.4
INSTALL_HINT = "pip install '.[semantic]'"


def _model_dir() -> Path | None:
    spec = importlib.util.find_spec("static_model")
    if spec is None or spec.origin is None or importlib.util.find_spec("model2vec") is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "model.safetensors").exists() else None


def available() -> bool:
    """Whether the semantic extra is installed (its model ships inside it)."""
    return _model_dir() is not None


@cache
def _model() -> Any:
    from model2vec import StaticModel

    folder = _model_dir()
    if folder is None:
        raise RuntimeError(f"Semantic search is not installed: {INSTALL_HINT}")
    # A local folder: model2vec reads it and never asks a hub.
    return StaticModel.from_pretrained(str(folder))


def embed(texts: list[str]) -> Any:
    """Unit vectors, one row per text (numpy)."""
    import numpy as np

    vectors = _model().encode(texts)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def document(doc: dict) -> str:
    """The words a peer assist is known by, most telling first (the model reads 512 tokens)."""
    parts = [doc[c] for c in ("title", "problem", "purpose", "actions", "takeaways", "cards")]
    return "\n".join(p for p in parts if p)


class Index:
    """Vectors of peer assists, embedded on first need and again when their words change."""

    def __init__(self) -> None:
        self._vectors: dict[str, tuple[str, Any]] = {}
        self._lock = threading.Lock()

    def vectors(self, docs: dict[str, str]) -> dict[str, Any]:
        digests = {i: hashlib.sha256(t.encode()).hexdigest() for i, t in docs.items()}
        with self._lock:
            stale = [i for i, d in digests.items() if self._vectors.get(i, ("",))[0] != d]
            if stale:
                for i, vector in zip(stale, embed([docs[i] for i in stale]), strict=True):
                    self._vectors[i] = (digests[i], vector)
            return {i: self._vectors[i][1] for i in docs}


INDEX = Index()


def search(
    conn: sa.Connection | sa.orm.Session,
    text: str,
    *,
    visible: sa.ColumnElement[bool],
    limit: int = 5,
    index: Index = INDEX,
) -> list[Hit]:
    """Peer assists whose words mean much what `text` means, best first."""
    text = " ".join(text.split())
    if not text:
        return []
    rows = conn.execute(
        sa.select(_TEXT).join(_WORKSHOP, _WORKSHOP.c.id == _TEXT.c.workshop_id).where(visible)
    ).all()
    if not rows:
        return []
    # A row per card and one for the peer assist itself: embedded as one document each.
    whole = documents.as_whole(rows)
    vectors = index.vectors({i: document(doc) for i, doc in whole.items()})
    query = embed([text])[0]
    scored = sorted(
        ((float(vectors[i] @ query), doc) for i, doc in whole.items()),
        key=lambda pair: -pair[0],
    )
    hits = []
    for score, doc in scored[:limit]:
        if score < MIN_SCORE:
            break
        excerpt = " ".join(doc["problem"].split())[:160]
        hits.append(Hit(doc["workshop_id"], doc["title"], excerpt, html.escape(excerpt), score))
    return hits
