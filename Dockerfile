# No "# syntax=" line: BuildKit's built-in front end has RUN --mount, and fetching another one
# from Docker Hub fails offline. The base image is a build argument, pinned by digest.
# Tag: python:3.12-slim-bookworm.
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
# Behind a proxy or with a private index: pass pip's settings and the site's CA as BuildKit
# secrets; they are mounted for this step only and never land in a layer:
#   docker build --secret id=pipconf,src=pip.conf --secret id=cacert,src=site-ca.pem .
# (pip.conf: [global] index-url = https://pypi.example.com/simple, cert = /run/secrets/cacert)
RUN --mount=type=secret,id=pipconf,target=/etc/pip.conf,required=false \
    --mount=type=secret,id=cacert,required=false \
    python3 -m pip wheel --wheel-dir /wheels ".[postgres]"

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
# Follows the configuration: /healthz at BOT_HOST/BOT_PORT for serve, the heartbeat for worker.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["success-plan-bot", "health"]
# The bot handles SIGTERM itself (readiness 503, drain, exit 0), also as PID 1.
STOPSIGNAL SIGTERM
ENTRYPOINT ["success-plan-bot"]
CMD ["serve"]
