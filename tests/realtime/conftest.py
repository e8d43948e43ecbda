"""Fixtures for the multi-worker tests: a PostgreSQL schema, the shared Redis, a Redis of our
own. Under CI=true a missing service fails; elsewhere the test is skipped and says why."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.conftest import (
    IN_CI,
    REDIS_URL,
    PostgresSchema,
    Server,
    drop_schema,
    need_service,
    start_server,
)
from tests.conftest import postgres_database as new_postgres_schema
from tests.realtime.harness import RedisProcess


@pytest.fixture
def pg() -> Iterator[PostgresSchema]:
    schema = new_postgres_schema()
    try:
        yield schema
    finally:
        drop_schema(schema.schema)


def need_redis() -> str:
    host_port = REDIS_URL.split("://", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    need_service("Redis", host, int(port or 6379))
    return REDIS_URL


@pytest.fixture
def redis_url() -> str:
    return need_redis()


@pytest.fixture
def own_redis() -> Iterator[RedisProcess]:
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("redis-server is required under CI=true but is not installed")
        pytest.skip("redis-server is not installed (it must be under CI=true)")
    redis = RedisProcess()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@dataclass
class Cluster:
    """Worker processes sharing one PostgreSQL schema and one Redis."""

    database_url: str
    schema: str
    workers: list[Server]

    def engine(self):  # type: ignore[no-untyped-def]
        import sqlalchemy as sa

        from app.db.engine import normalise_url

        return sa.create_engine(normalise_url(self.database_url))


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two workers on PostgreSQL and the shared Redis, shared by every test that only needs
    them running: each test has workshops of its own, so they cannot see one another."""
    need_redis()
    schema = new_postgres_schema()
    tmp = tmp_path_factory.mktemp("cluster")
    workers: list[Server] = []
    try:
        with ThreadPoolExecutor(2) as pool:  # side by side: each takes seconds to boot
            starting = [
                pool.submit(start_server, tmp, schema.url, redis_url=REDIS_URL) for _ in range(2)
            ]
            workers.extend(f.result() for f in starting)
        yield Cluster(schema.url, schema.schema, workers)
    finally:
        for worker in workers:
            worker.stop()
        drop_schema(schema.schema)
