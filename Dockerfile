# syntax=docker/dockerfile:1
#
# The kibaru image: one image for every service of docker-compose.yml (migrate, worker,
# crawler, beat, flower and the operator's `kibaru` commands).
#
#   docker compose build            # or: docker build -t kibaru:latest .
#
# Two stages: the builder turns the project and every dependency into wheels (with a
# compiler at hand for any dependency that ships no wheel for this platform); the final
# stage installs those wheels only, so no compiler, header or pip cache reaches it.

# The base is pinned to a patch release so that a rebuild gives the same interpreter;
# bump it deliberately (see "Upgrade" in the README's Operations section).
FROM python:3.11.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install --yes --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The metadata first: it changes less often than the code.
COPY pyproject.toml README.md ./
COPY kibaru ./kibaru
COPY crawler ./crawler
COPY workers ./workers
COPY storage ./storage

# The "monitoring" extra brings Flower, which the `flower` service runs from this image.
RUN python -m pip install --upgrade pip \
    && python -m pip wheel --wheel-dir /wheels ".[monitoring]"


FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid/gid, so that operators can give the ./data export directory to it
# (`chown 10001:10001 data`) and volumes keep the same owner across rebuilds.
RUN groupadd --system --gid 10001 kibaru \
    && useradd --system --uid 10001 --gid kibaru --home-dir /var/lib/kibaru \
       --create-home --shell /usr/sbin/nologin kibaru \
    && mkdir -p /data /etc/kibaru \
    && chown kibaru:kibaru /data

# The wheels are bind-mounted from the builder for this one step, so they never become a
# layer of the final image; --no-index keeps pip from reaching for anything else.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links=/wheels "kibaru[monitoring]"

USER kibaru
WORKDIR /var/lib/kibaru

ENTRYPOINT ["kibaru"]
CMD ["--help"]
