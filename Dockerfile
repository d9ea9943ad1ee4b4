# syntax=docker/dockerfile:1
# Build stage: install the package and its dependencies into a virtualenv.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY framework ./framework
COPY migrations ./migrations
RUN /opt/venv/bin/pip install --no-cache-dir .

# Runtime stage: the virtualenv and migrations only, run as an unprivileged user.
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/practice-bot.db \
    HEARTBEAT_FILE=/tmp/practice-bot.heartbeat
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /data /app \
    && chown bot:bot /data /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=bot:bot alembic.ini /app/alembic.ini
COPY --chown=bot:bot migrations /app/migrations
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["practice-bot", "healthcheck"]
CMD ["sh", "-c", "practice-bot migrate && exec practice-bot run"]
