# Peer Assist Live: a slim image that migrates the database, then serves on $PORT.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data

WORKDIR /srv
COPY pyproject.toml README.md LICENSE alembic.ini ./
COPY app ./app
COPY migrations ./migrations
# Editable, so the app finds migrations/ and alembic.ini beside it in /srv.
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /srv peerassist \
    && mkdir -p /data && chown peerassist /data

USER peerassist
VOLUME ["/data"]
EXPOSE 8000
CMD ["sh", "-c", "python -m app.cli migrate && exec python -m app.cli serve"]
