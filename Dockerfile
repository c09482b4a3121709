# One image recipe for every hoppid service, built from the workspace root:
#   docker build --build-arg SERVICE=intake --build-arg PORT=8001 -t hoppid/intake .
# SERVICE names a folder of services/ (intake, scheduling, notifications, reporting); PORT is the
# port it listens on (8001-8004, its HOPPID_<SERVICE>_PORT default). docker-compose.yml passes both.
# Stage 1 installs only this service's locked dependencies, as their own layer, then the code.
FROM python:3.11-slim AS build
ARG SERVICE
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/pyproject.toml
COPY services/intake/pyproject.toml services/intake/pyproject.toml
COPY services/scheduling/pyproject.toml services/scheduling/pyproject.toml
COPY services/notifications/pyproject.toml services/notifications/pyproject.toml
COPY services/reporting/pyproject.toml services/reporting/pyproject.toml
COPY contracts/intake/pyproject.toml contracts/intake/pyproject.toml
COPY contracts/scheduling/pyproject.toml contracts/scheduling/pyproject.toml
COPY contracts/notifications/pyproject.toml contracts/notifications/pyproject.toml
COPY contracts/reporting/pyproject.toml contracts/reporting/pyproject.toml
RUN test -f "services/${SERVICE}/pyproject.toml" || { echo "build with --build-arg SERVICE=<a folder of services/>" >&2; exit 1; }
RUN uv sync --locked --no-dev --no-install-workspace --package "hoppid-${SERVICE}"
COPY shared shared
# every producer's contract package (a service installs those it reads, by its lock)
COPY contracts contracts
COPY services/${SERVICE} services/${SERVICE}
RUN uv sync --locked --no-dev --no-editable --package "hoppid-${SERVICE}"
# one name for the service's own command, so CMD below needs no build argument
RUN ln -s "hoppid-${SERVICE}" /app/.venv/bin/hoppid-service

# Stage 2: the virtual environment only, run as an unprivileged user.
FROM python:3.11-slim
ARG PORT
RUN test -n "${PORT}" || { echo "build with --build-arg PORT=<the service's port>" >&2; exit 1; }
RUN useradd --system --uid 10001 --no-create-home hoppid
COPY --from=build --chown=hoppid:hoppid /app/.venv /app/.venv
# SERVICE_PORT: for the health check only (its CMD cannot expand a build argument)
ENV PATH=/app/.venv/bin:$PATH HOPPID_HTTP_HOST=0.0.0.0 SERVICE_PORT=${PORT}
USER hoppid
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['SERVICE_PORT'], timeout=2)"]
CMD ["hoppid-service"]
