# syntax=docker/dockerfile:1
# The bot as a container: `docker build -t supportbot .`, then see compose.yaml.

# -- build: resolve the locked dependencies and build the wheel ----------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Dependencies first, from the lock, so a code change does not re-download them.
COPY requirements.lock.txt ./
RUN python -m venv /venv && /venv/bin/pip install --require-hashes -r requirements.lock.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY graph ./graph
COPY sql ./sql
# The wheel, not the source tree: the sql/ files must ship inside the distribution.
RUN /venv/bin/pip wheel --no-deps -w /wheels . && /venv/bin/pip install --no-deps /wheels/*.whl

# -- run: the virtualenv only, as a user that owns nothing ---------------------
FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PORT=3000
COPY --from=build /venv /venv
RUN useradd --create-home --uid 10001 supportbot
USER supportbot
WORKDIR /home/supportbot
EXPOSE 3000
# /healthz is 200 while the database answers; python, because slim images have no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '3000')}/healthz\", timeout=4)"]
CMD ["supportbot", "serve"]
