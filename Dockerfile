# syntax=docker/dockerfile:1
# The base image is a build argument, pinned by digest. Tag: python:3.12-slim-bookworm.
# Refresh the digest deliberately: docker buildx imagetools inspect python:3.12-slim-bookworm
ARG BASE_IMAGE=python:3.12-slim-bookworm@sha256:782412e85d0f0984994c290652577d4018aff08145c85b262bb63dc0c7522254

# --- build: wheels for the bot and everything it needs -------------------------------------
FROM ${BASE_IMAGE} AS build
# A base built from Debian's packages marks its Python as externally managed; these images are
# single-purpose, so pip may install into it.
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY templates ./templates
COPY bot ./bot
RUN python3 -m pip wheel --wheel-dir /wheels ".[postgres]"

# --- runtime: no compilers, no pip cache, a non-root user ---------------------------------
FROM ${BASE_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1 \
    BOT_HOST=0.0.0.0 BOT_PORT=8080 BOT_DATA_DIR=/data
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /data --no-create-home --shell /usr/sbin/nologin bot \
    && mkdir /data && chown bot:bot /data
# Exactly the wheels built above (every dependency pinned by its file), nothing from an index.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python3 -m pip install --no-index /wheels/*.whl
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"]
# The bot handles SIGTERM itself (readiness 503, drain, exit 0), also as PID 1.
STOPSIGNAL SIGTERM
ENTRYPOINT ["success-plan-bot"]
CMD ["serve"]
