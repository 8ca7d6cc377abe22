# One image for every role (api, worker, fetcher, flower): docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# uid 1000: files the fetcher moves inside a bind-mounted inbox stay the typical host user's.
RUN groupadd --gid 1000 newswire \
 && useradd --uid 1000 --gid newswire --no-create-home --home-dir /app --shell /usr/sbin/nologin newswire

WORKDIR /app

# Dependencies first, read from pyproject.toml alone: this layer is rebuilt when they change, not
# on every code edit. EXTRAS names optional groups to add (flower: the monitoring UI).
ARG EXTRAS="flower"
COPY pyproject.toml ./
RUN python -c "import os, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
extra = [d for group in os.environ['EXTRAS'].split() for d in p['optional-dependencies'][group]]; \
print('\n'.join(p['dependencies'] + extra))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Then the code; --no-deps: everything it needs is in the layer above.
COPY README.md ./
COPY schemas ./schemas
COPY services ./services
COPY workers ./workers
RUN pip install --no-deps . \
 && mkdir -p /data/inbox /cache \
 && chown -R newswire:newswire /data /cache

USER newswire
# The language model is unpacked once into the cache directory and memory-mapped by every process
# (workers/enrich/language.py): unpack it at build time so containers start with it in place.
ENV XDG_CACHE_HOME=/cache
RUN python -c "from workers.enrich import language; language.detect('The council met on Monday.')"
# Metrics servers listen on every interface of the container, so Prometheus can scrape them.
ENV NEWSWIRE_METRICS_HOST=0.0.0.0 \
    NEWSWIRE_DATA_DIR=/data
EXPOSE 8000 9101 9102
CMD ["newswire", "--help"]
