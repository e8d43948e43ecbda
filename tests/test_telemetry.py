"""FastAPI's OpenTelemetry runs where the environment sets OpenTelemetry up, and only there."""

from __future__ import annotations

from app.main import telemetry

OFF = {"tracing": False, "metrics": False, "logs": False}


def test_off_unless_the_environment_sets_opentelemetry_up() -> None:
    assert telemetry({"PATH": "/usr/bin", "HOME": "/root"}) == OFF
    assert telemetry({"OTEL_SERVICE_NAME": "peer-assist"}) is None
    assert telemetry({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}) is None
    assert telemetry({"FASTAPI_OTEL_AUTO_CONFIGURE": "true"}) is None
    assert telemetry({"FASTAPI_OTEL_AUTO_CONFIGURE": "false"}) == OFF
    # OpenTelemetry's own switch for "off" is believed.
    assert telemetry({"OTEL_SERVICE_NAME": "peer-assist", "OTEL_SDK_DISABLED": "true"}) == OFF
