"""`/openapi.json` describes the whole public contract of API.md."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import httpx
import pytest
from starlette.routing import Match

from tests.conftest import ROOT

# API.md's HTTP table, each route with sample path values and the body fields it names.
CONTRACT: list[tuple[str, str, set[str], int]] = [
    (
        "post",
        "/api/v1/workshops",
        {"title", "problem", "duration_minutes", "facilitator_name", "decision_date", "starts_at"},
        201,
    ),
    ("post", "/api/v1/join/C0DE", {"name", "accept_ground_rules"}, 201),
    ("get", "/api/v1/workshops/W1", set(), 200),
    ("post", "/api/v1/workshops/W1/phase", {"to"}, 200),
    ("post", "/api/v1/workshops/W1/timer", {"action", "seconds"}, 200),
    ("put", "/api/v1/workshops/W1/mute", {"host_team_muted", "speakers"}, 200),
    (
        "post",
        "/api/v1/workshops/W1/cards",
        {"kind", "text", "evidence", "source_url", "anonymous"},
        201,
    ),
    ("patch", "/api/v1/workshops/W1/cards/7", {"text", "kind", "theme", "hidden"}, 200),
    ("post", "/api/v1/workshops/W1/cards/7/vote", set(), 200),
    ("delete", "/api/v1/workshops/W1/cards/7/vote", set(), 200),
    ("post", "/api/v1/workshops/W1/actions", {"title", "owner", "due_date", "card_ids"}, 201),
    ("patch", "/api/v1/workshops/W1/actions/9", {"title", "owner", "due_date", "status"}, 200),
    ("put", "/api/v1/workshops/W1/commitment", {"report_back_by", "note"}, 200),
    ("get", "/api/v1/workshops/W1/actions.csv", set(), 200),
    ("get", "/api/v1/workshops/W1/actions.md", set(), 200),
    ("get", "/api/v1/workshops/W1/actions.json", set(), 200),
    ("get", "/api/v1/workshops/W1/actions.ics", set(), 200),
]
RESPONSE_FIELDS = {
    "/api/v1/workshops": {"workshop", "facilitator_token", "invites"},
    "/api/v1/join/C0DE": {"participant", "token", "workshop_id"},
    "/api/v1/workshops/W1": {
        "workshop",
        "phase",
        "agenda",
        "timer",
        "mute",
        "participants",
        "cards",
        "actions",
        "commitment",
        "seq",
    },
    "/api/v1/workshops/W1/timer": {"ends_at", "remaining_s", "server_now"},
    "/api/v1/workshops/W1/mute": {"host_team_muted", "speakers"},
    "/api/v1/workshops/W1/cards/7/vote": {"card_id", "votes", "votes_left"},
    "/api/v1/workshops/W1/commitment": {"report_back_by", "note"},
}


@pytest.fixture(scope="module")
async def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document is the same whatever the database, so it is fetched once, from an app
    that never needs to open its (SQLite) database."""
    from app.main import create_app
    from tests.conftest import make_settings

    folder = tmp_path_factory.mktemp("openapi")
    application = create_app(make_settings(folder, f"sqlite:///{folder / 'unused.db'}"))
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/openapi.json")
    application.state.services.db.dispose()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = spec["components"]["schemas"][name]
    return node


def properties(spec: dict, schema: dict) -> dict[str, Any]:
    """Properties of a schema, following $ref, allOf and anyOf."""
    schema = resolve(spec, schema)
    found = dict(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found.update(properties(spec, part))
    return found


def find_operation(spec: dict, method: str, path: str) -> dict | None:
    """The operation whose templated path matches this concrete path, enums respected."""
    for template, operations in spec["paths"].items():
        names = re.findall(r"{([^}]+)}", template)
        pattern = re.escape(template)
        for name in names:
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>[^/]+?)")
        match = re.fullmatch(pattern, path)
        if not match or method not in operations:
            continue
        operation = operations[method]
        fits = True
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "path" or parameter["name"] not in names:
                continue
            schema = resolve(spec, parameter.get("schema", {}))
            if "enum" in schema and match.group(parameter["name"]) not in schema["enum"]:
                fits = False
        if fits:
            return operation
    return None


async def test_every_contract_route_is_documented_with_its_method(spec: dict) -> None:
    missing = [f"{m.upper()} {p}" for m, p, _, _ in CONTRACT if find_operation(spec, m, p) is None]
    assert not missing, missing
    assert find_operation(spec, "get", "/api/v1/workshops/W1/actions.xml") is None


async def test_request_bodies_name_the_contract_fields(spec: dict) -> None:
    wrong = []
    for method, path, fields, _ in CONTRACT:
        if not fields:
            continue
        operation = find_operation(spec, method, path)
        assert operation is not None, path
        content = operation.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        documented = set(properties(spec, schema))
        if not fields <= documented:
            wrong.append(f"{method.upper()} {path}: lacks {sorted(fields - documented)}")
    assert not wrong, wrong


async def test_success_statuses_and_response_fields(spec: dict) -> None:
    wrong = []
    for method, path, _, status in CONTRACT:
        operation = find_operation(spec, method, path)
        assert operation is not None, path
        responses = operation["responses"]
        if str(status) not in responses:
            wrong.append(f"{method.upper()} {path}: no {status} in {sorted(responses)}")
            continue
        expected = RESPONSE_FIELDS.get(path)
        if expected and method != "delete":
            schema = responses[str(status)].get("content", {}).get("application/json", {})
            documented = set(properties(spec, schema.get("schema", {})))
            if not expected <= documented:
                wrong.append(f"{method.upper()} {path}: lacks {sorted(expected - documented)}")
    assert not wrong, wrong


async def test_card_kinds_and_evidence_are_enumerated(spec: dict) -> None:
    operation = find_operation(spec, "post", "/api/v1/workshops/W1/cards")
    assert operation is not None
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    fields = properties(spec, body)
    text = json.dumps({name: resolve(spec, fields[name]) for name in ("kind", "evidence")})
    text += json.dumps(spec["components"]["schemas"])
    for kind in (
        "context",
        "question",
        "surprise",
        "gap",
        "need",
        "insight",
        "option",
        "worked_elsewhere",
        "strength",
        "takeaway",
        "experience",
        "research",
        "both",
    ):
        assert f'"{kind}"' in text, kind


async def test_the_websocket_route_is_documented(spec: dict) -> None:
    text = json.dumps(spec)
    assert "/api/v1/workshops/{workshop_id}/events" in spec["paths"] or (
        "/events" in text and "websocket" in text.lower()
    )


async def test_posts_declare_the_idempotency_key_header(spec: dict) -> None:
    undeclared = []
    for method, path, _, _ in CONTRACT:
        operation = find_operation(spec, method, path)
        if method != "post" or operation is None:
            continue
        headers = {
            p["name"].lower() for p in operation.get("parameters", []) if p.get("in") == "header"
        }
        if "idempotency-key" not in headers:
            undeclared.append(path)
    assert not undeclared, undeclared


async def test_only_a_post_documents_a_400_and_it_is_the_idempotency_key(spec: dict) -> None:
    """A body that is not JSON answers 422 like any invalid body; the one 400 the API answers
    is a POST's malformed Idempotency-Key, so no PUT, PATCH or DELETE may promise one."""
    wrong = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            answer = operation.get("responses", {}).get("400")
            if answer is None:
                continue
            if method != "post" or "bad_idempotency_key" not in answer["description"]:
                wrong.append(f"{method.upper()} {path}: {answer['description']}")
    assert wrong == [], wrong


async def test_documented_errors_use_the_error_body(spec: dict) -> None:
    wrong = []
    for method, path, _, _ in CONTRACT:
        operation = find_operation(spec, method, path)
        assert operation is not None, path
        for status, response in operation["responses"].items():
            if not status.startswith("4"):
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            fields = properties(spec, schema)
            if set(fields) != {"detail", "code"} or any(
                resolve(spec, fields[f]).get("type") != "string" for f in fields
            ):
                wrong.append(f"{method.upper()} {path} {status}")
        if method == "get" and "401" not in operation["responses"]:
            wrong.append(f"{method.upper()} {path}: no 401")
    assert not wrong, wrong


def _urls(template: str, others: list[str]) -> list[str]:
    """URLs a template answers: each parameter filled with a word, and with every literal that
    another template has in that place (where a clash would hide)."""
    parts = template.split("/")
    choices = []
    for i, part in enumerate(parts):
        if not part.startswith("{"):
            choices.append([part])
            continue
        literals = {
            o.split("/")[i]
            for o in others
            if len(o.split("/")) > i and not o.split("/")[i].startswith("{")
        }
        choices.append([*sorted(literals), "x1"])
    return ["/".join(p) for p in itertools.product(*choices)]


def test_the_routes_matched_first_take_no_request_from_another() -> None:
    """main.py matches the board's routes before those API.md lists ahead of them (each route
    tried costs); that must change only the cost, never which route answers. Asked with
    Starlette's own matching, no route they jump may take a request of theirs."""
    from app.main import ROUTERS
    from app.web import board_api

    place = [router for _, router in ROUTERS].index(board_api.router)
    jumped = [(prefix, route) for prefix, router in ROUTERS[:place] for route in router.routes]
    assert len(jumped) > 5  # the peer assist's own routes and the meeting's
    templates = [prefix + getattr(route, "path", "") for prefix, route in jumped]
    board_prefix = ROUTERS[place][0]
    asked = 0
    for route in board_api.router.routes:
        for method in route.methods:
            for url in _urls(board_prefix + route.path, templates):
                for prefix, other in jumped:
                    if not url.startswith(prefix):
                        continue
                    scope = {"type": "http", "path": url[len(prefix) :], "method": method}
                    scope["root_path"] = ""
                    match, _ = other.matches(scope)
                    assert match is not Match.FULL, f"{method} {url} would go to {other.path}"
                    asked += 1
    assert asked > 20  # every board URL against every route it jumps
    # The check itself: a route of the meeting's answers its own URL.
    meeting = next(r for _, r in jumped if getattr(r, "path", "").endswith("/phase"))
    scope = {"type": "http", "path": "/workshops/x1/phase", "method": "POST", "root_path": ""}
    assert meeting.matches(scope)[0] is Match.FULL


def refs(node: Any) -> set[str]:
    """Every $ref anywhere under `node`."""
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(value) for value in node))
    return set()


def components_under(spec: dict, node: Any) -> set[str]:
    """The component schemas `node` uses, directly or through others."""
    found: set[str] = set()
    todo = [r.rsplit("/", 1)[-1] for r in refs(node)]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(r.rsplit("/", 1)[-1] for r in refs(spec["components"]["schemas"][name]))
    return found


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


async def test_answers_take_any_stored_date(spec: dict) -> None:
    """A stored date stays valid when time passes (an overdue report-back): the schemas of
    answers bound no date; only requests carry the days the server takes today."""
    answers = components_under(spec, [op["responses"] for _, _, op in operations(spec)])
    assert {"StateOut", "CommitmentOut", "WorkshopOut", "ActionOut"} <= answers
    bounded = []
    for name in answers:
        for field, prop in spec["components"]["schemas"][name].get("properties", {}).items():
            for option in prop.get("anyOf", [prop]):
                if option.get("format") in ("date", "date-time") and "pattern" in option:
                    bounded.append(f"{name}.{field}")
    assert not bounded, bounded
    for name, field in (("CommitmentSet", "report_back_by"), ("WorkshopCreate", "decision_date")):
        prop = spec["components"]["schemas"][name]["properties"][field]
        assert "date_in_past" in prop.get("description", ""), (name, prop)


async def test_no_route_documents_fastapi_validation_errors(spec: dict) -> None:
    """Every error the API answers is ErrorBody, a 422 included: FastAPI's own
    HTTPValidationError (a list of details) is never what a route answers."""
    text = json.dumps(spec)
    assert "HTTPValidationError" not in text and "schemas/ValidationError" not in text
    wrong = []
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status[0] in "45" and response.get("content") != {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
            }:
                wrong.append(f"{method.upper()} {path} {status}")
    assert not wrong, wrong
    names = {r.rsplit("/", 1)[-1] for r in refs(spec)}
    assert names <= set(spec["components"]["schemas"]), names - set(spec["components"]["schemas"])


# The machine codes API.md names, and the one every POST may answer (a reused key).
CONTRACT_CODES = (
    "host_team_muted",
    "not_allowed_in_phase",
    "no_votes_left",
    "sign_in_required",
    "idempotency_key_reused",
)


async def test_the_error_codes_are_named_and_each_is_one_the_app_answers(spec: dict) -> None:
    text = json.dumps(spec)
    missing = [c for c in CONTRACT_CODES if c not in text]
    assert not missing, missing
    described = spec["components"]["schemas"]["ErrorBody"]["properties"]["code"]["description"]
    source = "\n".join(
        p.read_text() for p in (ROOT / "app").rglob("*.py") if p.name != "error_codes.py"
    )
    named = re.findall(r"`([a-z_]+)`", described)
    assert len(named) > 20, described
    unknown = [c for c in named if f'"{c}"' not in source]
    assert not unknown, f"named in the document, answered nowhere: {unknown}"
    # The routes API.md names them for say so where a client reads the route.
    cards = find_operation(spec, "post", "/api/v1/workshops/W1/cards")
    vote = find_operation(spec, "post", "/api/v1/workshops/W1/cards/7/vote")
    create = find_operation(spec, "post", "/api/v1/workshops")
    assert cards and vote and create
    assert "host_team_muted" in cards["responses"]["403"]["description"]
    assert "not_allowed_in_phase" in cards["responses"]["409"]["description"]
    assert "idempotency_key_reused" in cards["responses"]["409"]["description"]
    assert "no_votes_left" in vote["responses"]["409"]["description"]
    assert "sign_in_required" in create["responses"]["401"]["description"]


async def test_the_exports_describe_each_media_type(spec: dict) -> None:
    for path in ("actions", "record"):
        operation = spec["paths"][f"/api/v1/workshops/{{workshop_id}}/{path}.{{fmt}}"]["get"]
        content = operation["responses"]["200"]["content"]
        empty = [media for media, body in content.items() if not body.get("schema")]
        assert not empty, (path, empty)
        assert content["application/json"]["schema"].get("type") == "object", path
        text = [m for m in content if m.startswith("text/")]
        assert all(content[m]["schema"]["type"] == "string" for m in text), path
