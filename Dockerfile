# One image for every service: `kefu run <service>` selects which one.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
# The runtime dependencies only (pyproject's `dependencies`; the lock also holds the dev tools),
# at the versions the lock pins.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime.txt \
 && pip install --no-cache-dir -r runtime.txt -c requirements.lock
COPY shared ./shared
COPY services ./services
COPY tooling ./tooling
RUN pip install --no-cache-dir --no-deps . && useradd --system kefu
USER kefu
ENV KEFU_HTTP_HOST=0.0.0.0
ENTRYPOINT ["kefu"]
CMD ["run", "intake"]
