# The Peace Talks KG service in a container: the curated graph is built into the image, and
# `kg serve` serves it read-only on port 8080. docs/hosting.md says how to build, run
# and update it; tests/test_container.py runs this file's build and entry commands.
#
# The base image is pinned by tag, the Python the project is tested with (pyproject.toml:
# requires-python >= 3.11, mypy's python_version 3.11) on Debian 12. A deployment should pin it by
# digest as well (--build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:…), so that a
# rebuild starts from the same bytes.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: install the package into a virtual environment, then build the graph --------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/ptkg/venv

# The package: its metadata, licences and code (the test tools are not installed).
WORKDIR /src
COPY pyproject.toml README.md LICENSE LICENSE-DATA NOTICE ./
COPY kg/ kg/
COPY server/ server/
RUN /opt/ptkg/venv/bin/pip install .

# The curated graph, validated and built here: build/ptkg.nq, its manifest, the on-disk store
# beside it and the questions' index. `kg build` validates against the shapes and reasons; it
# does not read the source texts (only `kg validate` and `kg sources check` do), so none are in
# the build context or the image. The build cache is only for the next build: dropped.
WORKDIR /srv/ptkg
COPY ontology/ ontology/
COPY shapes/ shapes/
COPY data/ data/
RUN /opt/ptkg/venv/bin/kg build --root /srv/ptkg && rm -rf /srv/ptkg/build/cache

# --- runtime: the environment and the build, owned by root, run by an unprivileged user -------
FROM ${PYTHON_IMAGE} AS runtime

RUN groupadd --system --gid 10001 ptkg \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin ptkg

COPY --from=build /opt/ptkg/venv /opt/ptkg/venv
COPY --from=build /srv/ptkg /srv/ptkg

# Settings (docs/endpoint.md#settings lists them all): where the project is, the access log on
# stderr (the container's log), two query workers. PTKG_PUBLIC_URL and PTKG_TRUSTED_PROXY depend
# on where the container runs: set them at `docker run` (docs/hosting.md).
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PTKG_ROOT=/srv/ptkg \
    PTKG_ACCESS_LOG=- \
    PTKG_QUERY_WORKERS=2

WORKDIR /srv/ptkg
USER 10001:10001
EXPOSE 8080

# /health asked with Python (the slim image has no curl), directly, whatever proxy the
# environment names.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/opt/ptkg/venv/bin/python", "-c", "import sys, urllib.request as r; sys.exit(r.build_opener(r.ProxyHandler({})).open('http://127.0.0.1:8080/health', timeout=4).status != 200)"]

# The image is the `kg` command; by default it serves the build made above. --dataset names the
# build itself, so the server opens it and its on-disk store read-only and never builds: the
# container's file system can be read-only (docker run --read-only).
ENTRYPOINT ["/opt/ptkg/venv/bin/kg"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--dataset", "/srv/ptkg/build/ptkg.nq"]
