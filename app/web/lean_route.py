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
has dependencies of its own, `dependencies=`) is answered by FastAPI every time.

Only `APIRoute.get_route_handler`, the documented way to customise a route, is overridden.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from fastapi import Request, Response
from fastapi.params import Depends
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

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
    path: tuple[tuple[str, type], ...]  # (name, str or int)
    body: tuple[str, type[BaseModel]] | None
    dependencies: tuple[tuple[str, _Dependency], ...]

    async def arguments(self, request: Request) -> dict[str, Any] | None:
        """The endpoint's arguments, or None for a request FastAPI should answer itself."""
        given = request.path_params
        out: dict[str, Any] = {}
        for name, kind in self.path:
            value = given[name]
            if kind is int:
                if not (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS):
                    return None
                value = int(value)
            out[name] = value
        if self.body is not None:
            name, model = self.body
            if request.headers.get("content-type") != "application/json":
                return None
            try:
                out[name] = model.model_validate(json.loads(await request.body()))
            except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
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
    path: list[tuple[str, type]] = []
    body: tuple[str, type[BaseModel]] | None = None
    dependencies: list[tuple[str, _Dependency]] = []
    for name in inspect.signature(endpoint).parameters:
        hint = hints.get(name)
        if hint is Request:
            request.append(name)
        elif name in path_names and hint in (str, int):
            path.append((name, hint))
        elif inspect.isclass(hint) and issubclass(hint, BaseModel) and body is None:
            body = (name, hint)
        elif (dependency := _dependency(hint, path_names)) is not None:
            dependencies.append((name, dependency))
        else:
            return None
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


class LeanRoute(APIRoute):
    """An APIRoute that answers well-formed requests to a plain endpoint itself."""

    def get_route_handler(self) -> Handler:
        stock = super().get_route_handler()
        plan = None if self.dependencies else plan_for(self.endpoint, set(self.param_convertors))
        if plan is None:
            return stock
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            arguments = await plan.arguments(request)
            if arguments is None:
                return await stock(request)
            return await endpoint(**arguments)

        return handler
