# The application image: one image, three roles (api, worker, migrate/setup one-shots), chosen by command.
FROM python:3.11-slim

# PYTHONPATH: the app runs from its source tree, where alembic.ini and migrations/ live beside the code.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN mkdir -p workflows activities api models policy core adapters audit cli bench drills console insights observability \
    runtime seed \
    && touch worker.py \
    && pip install . \
    && pip uninstall --yes complaintdesk

COPY alembic.ini worker.py ./
COPY migrations ./migrations
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY models ./models
COPY policy ./policy
COPY core ./core
COPY runtime ./runtime
COPY seed ./seed
COPY adapters ./adapters
COPY audit ./audit
COPY cli ./cli
COPY observability ./observability
# The browser console the API serves at /console.
COPY console ./console
# Operators run `complaints bench` / `complaints drills` against a deployment too.
COPY bench ./bench
COPY drills ./drills
COPY insights ./insights
# The console script `complaints`, without reinstalling the dependencies.
RUN pip install --no-deps . && mkdir -p /app/data && chown app:app /app/data
# Bytecode now, since PYTHONDONTWRITEBYTECODE means nothing writes it later: Temporal's sandbox imports the
# workflow modules again for every case it runs or replays, and without bytecode each import compiles.
RUN python -m compileall -q /app

USER app
# 8000: the API; 9180 / 9181: the API's and a worker's /metrics (API_METRICS_PORT, WORKER_METRICS_PORT).
EXPOSE 8000 9180 9181
CMD ["complaints", "api"]
