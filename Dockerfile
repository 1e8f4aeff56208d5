# One image for every service: `kefu run <service>` selects which one.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
# The runtime dependencies, every one pinned by the lock (the dev tools are in
# requirements-dev.lock): nothing to resolve, wheels only.
RUN pip install --no-cache-dir --no-deps --only-binary :all: -r requirements.lock
COPY shared ./shared
COPY services ./services
COPY tooling ./tooling
RUN pip install --no-cache-dir --no-deps . && useradd --system kefu
USER kefu
ENV KEFU_HTTP_HOST=0.0.0.0
ENTRYPOINT ["kefu"]
CMD ["run", "intake"]
