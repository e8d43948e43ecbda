"""The participants' hot routes (a card, a vote, a phase), answered without FastAPI's
per-request machinery when the request is well formed, and by FastAPI itself when it is not.

FastAPI solves an endpoint's parameters anew for every request: it walks the dependency tree,
builds and checks a value for each parameter, keys a cache, then collects the errors. On a
card's `POST` that was about a third of the event loop's share (bench/README.md). A `LeanRoute`
reads the endpoint's signature once and, per request, does only what that signature asks:
the path's values, one JSON body validated by its own model, and the dependencies, each called
with the request and the path's values. Whatever it cannot do exactly as FastAPI would (a
missing or malformed body, another content type, a path value that is not plain digits) goes
to FastAPI's own handler, with the body already read, so every refusal is FastAPI's own 422
word for word. The shortcut takes the same errors out of the dependencies (a bad token is the
same 401) and changes nothing in the OpenAPI document, which FastAPI builds from the same
route. An endpoint of another shape (a query parameter, a header, a dependency that yields or
has dependencies of its own or is named twice, `dependencies=` on the route, its router, its
inclusion or the app) is answered by FastAPI every time, and so is a request while FastAPI's
telemetry follows it or a dependency is overridden.

`APIRoute.get_route_handler`, the documented way to customise a route, is overridden; whether
an inclusion added dependencies is read from a private context variable of FastAPI 0.165,
which is why fastapi is pinned to the range tested.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import fastapi.routing
from fastapi import Request, Response
from fastapi.params import Depends
from fastapi.routing import APIRoute
from pydantic import BaseModel

from .schemas import RowId, row_id

Handler = Callable[[Request], Awaitable[Response]]
# The digits of a path's integer: beyond 18 of them FastAPI decides (and Python's int is exact).
MAX_DIGITS = 18


@dataclass(frozen=True)
class _Dependency:
    call: Callable[..., Awaitable[Any]]
    path: tuple[str, ...]  # which of the path's values it takes, besides the request


@dataclass(frozen=True)
class _Plan:
    request: tuple[str, ...]  # the endpoint's parameters that take the Request
    path: tuple[tuple[str, Any], ...]  # (name, str, int or RowId)
    body: tuple[str, type[BaseModel]] | None
    dependencies: tuple[tuple[str, _Dependency], ...]

    async def arguments(self, request: Request) -> dict[str, Any] | None:
        """The endpoint's arguments, or None for a request FastAPI should answer itself."""
        given = request.path_params
        out: dict[str, Any] = {}
        for name, kind in self.path:
            value = given[name]
            if kind is not str and not isinstance(value, int):  # `{name:int}` gives an int
                if kind is not int:  # RowId: what is not digits names no row (schemas.row_id)
                    value = row_id(value)
                if isinstance(value, str):
                    if not (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS):
                        return None
                    value = int(value)
            out[name] = value
        if self.body is not None:
            name, model = self.body
            if request.headers.get("content-type") != "application/json":
                return None
            # Outside the try: a body that stops short or a client gone (408, disconnect)
            # leaves as it would from FastAPI.
            body = await request.body()
            try:
                out[name] = model.model_validate(json.loads(body))
            except Exception:  # bad JSON, too deeply nested, invalid: FastAPI's to answer
                return None
        for name in self.request:
            out[name] = request
        for name, dependency in self.dependencies:
            out[name] = await dependency.call(request, *(given[p] for p in dependency.path))
        return out


def plan_for(endpoint: Callable[..., Any], path_names: set[str]) -> _Plan | None:
    """What a request must give the endpoint, or None when it is not a shape taken here."""
    if not inspect.iscoroutinefunction(endpoint):
        return None
    hints = get_type_hints(endpoint, include_extras=True)
    returned = hints.get("return")
    if not (inspect.isclass(returned) and issubclass(returned, Response)):
        return None  # FastAPI serialises anything else by the route's response model
    request: list[str] = []
    path: list[tuple[str, Any]] = []
    body: tuple[str, type[BaseModel]] | None = None
    dependencies: list[tuple[str, _Dependency]] = []
    for name, parameter in inspect.signature(endpoint).parameters.items():
        if parameter.default is not inspect.Parameter.empty:
            return None  # `= Path(ge=1)`, `= Body(embed=True)`, `= Depends(f)`: FastAPI's
        hint = hints.get(name)
        if hint is Request:
            request.append(name)
        elif name in path_names and (hint in (str, int) or hint == RowId):
            path.append((name, hint))
        elif inspect.isclass(hint) and issubclass(hint, BaseModel) and body is None:
            body = (name, hint)
        elif (dependency := _dependency(hint, path_names)) is not None:
            dependencies.append((name, dependency))
        else:
            return None
    calls = [dependency.call for _, dependency in dependencies]
    if len(set(calls)) != len(calls):
        return None  # FastAPI runs a dependency named twice once per request (its cache)
    return _Plan(tuple(request), tuple(path), body, tuple(dependencies))


def _dependency(hint: Any, path_names: set[str]) -> _Dependency | None:
    """An `Annotated[T, Depends(f)]` whose f is a coroutine taking the request and path
    values only (no sub-dependencies, no yield, nothing FastAPI would have to solve)."""
    if get_origin(hint) is not Annotated:
        return None
    marks = [m for m in get_args(hint)[1:] if isinstance(m, Depends)]
    if len(marks) != 1 or marks[0].dependency is None:
        return None
    call = marks[0].dependency
    if not inspect.iscoroutinefunction(call):
        return None
    hints = get_type_hints(call)
    names = list(inspect.signature(call).parameters)
    if not names or hints.get(names[0]) is not Request:
        return None
    rest = names[1:]
    if any(n not in path_names or hints.get(n) is not str for n in rest):
        return None
    return _Dependency(call, tuple(rest))


def _included_with_dependencies(route: APIRoute) -> bool:
    """Whether FastAPI is building this route's handler for an inclusion that adds dependencies
    (`include_router(dependencies=...)`, `FastAPI(dependencies=...)`). FastAPI 0.165 says so
    only in a context variable of its own: read defensively, with fastapi pinned to the range
    tested, and a test that fails if an added dependency is ever skipped."""
    context_var = getattr(fastapi.routing, "_effective_route_context_var", None)
    context = context_var.get() if context_var is not None else None
    if context is None or getattr(context, "original_route", None) is not route:
        return False
    return bool(getattr(context, "dependencies", None))


class LeanRoute(APIRoute):
    """An APIRoute that answers well-formed requests to a plain endpoint itself."""

    def get_route_handler(self) -> Handler:
        stock = super().get_route_handler()
        plan = (
            None
            if self.dependencies or _included_with_dependencies(self)
            else plan_for(self.endpoint, set(self.param_convertors))
        )
        if plan is None:
            return stock
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            # FastAPI's own way when its telemetry follows this request (its spans and data
            # come from its handler) or a test overrides a dependency.
            if request.scope.get("fastapi.telemetry") is not None or getattr(
                request.app, "dependency_overrides", None
            ):
                return await stock(request)
            arguments = await plan.arguments(request)
            if arguments is None:
                return await stock(request)
            return await endpoint(**arguments)

        return handler
