# The site and its scheduled refreshes in one image (see compose.yaml):
#   docker build -t inclusion_map .
#   docker run -p 8000:8000 -e INCLUSION_MAP_SECRET_KEY=… inclusion_map        # the site, 2 workers
#   docker run inclusion_map python run.py schedule                           # the refreshes
FROM python:3.11-slim-bookworm

# WeasyPrint (the PDF report) lays text out with Pango and HarfBuzz; DejaVu gives it fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The dependencies (gunicorn and psycopg included) with the package. The commands run from the
# source folder (`python run.py`), which also holds the templates, static files and layers/catalogue.yaml.
COPY pyproject.toml README.md ./
COPY inclusion_map ./inclusion_map
RUN pip install .
COPY run.py config.yaml ./
COPY layers/catalogue.yaml ./layers/catalogue.yaml

# layers/build is the local data folder (store anchor, side databases, reports, caches, logs): a
# volume shared by the site and the scheduler. The duplicate decisions taken on /qualite are read
# by the harvest, so their file (layers/dedupe_decisions.csv by default) points into it too.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin inclusion \
    && mkdir -p /app/layers/build \
    && ln -s build/dedupe_decisions.csv /app/layers/dedupe_decisions.csv \
    && chown -R inclusion:inclusion /app/layers/build
USER inclusion
VOLUME ["/app/layers/build"]

EXPOSE 8000
# Liveness: the process answers. compose.yaml asks /readyz of the site instead (store with venues).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30m --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)"]

# An empty store is harvested once, before the workers start (from the live sources: the container
# needs the internet the first time, or a mirror folder and --mirror).
CMD ["python", "run.py", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
