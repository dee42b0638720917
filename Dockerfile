# Tandem: one image for every process type (see README, "Docker and compose").
#   docker build -t tandem .
#   docker run -e TELEGRAM_BOT_TOKEN=... -v tandem-data:/data tandem            # polling, SQLite
#   docker run ... tandem run --webhook                                         # a web worker
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (a layer that changes only with the lock file), every one pinned by hash.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# Then Tandem's source, run in place: nothing is built or fetched, so every byte of third-party
# code in the image is one the lock file's hashes vouch for. `tandem` is a two-line launcher.
COPY bot ./bot
COPY scheduler ./scheduler
COPY content ./content
ENV PYTHONPATH=/app
RUN printf '#!/bin/sh\nexec python -c "import sys; from bot.cli import main; sys.exit(main())" "$@"\n' \
        > /usr/local/bin/tandem \
    && chmod 755 /usr/local/bin/tandem

# A user of its own; its data (the SQLite file and its key file) on a volume.
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin tandem \
    && mkdir -p /data && chown tandem:tandem /data
USER tandem
VOLUME ["/data"]
WORKDIR /data

ENV DATABASE_URL=sqlite+aiosqlite:////data/tandem.sqlite3 \
    PORT=8080
EXPOSE 8080

# /healthz answers in both modes because PORT is set (see README, "Health and metrics").
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)"]

# Long polling by default: one container with a token and a volume is a whole deployment (no
# public URL, no TLS, SQLite on /data). Web workers say `run --webhook` (see compose.yaml).
ENTRYPOINT ["tandem"]
CMD ["run"]
