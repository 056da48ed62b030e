# Slim base, dependencies installed from pyproject.toml, runs as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY services ./services
RUN pip install . \
    && useradd --create-home --uid 10001 imagine \
    && mkdir -p /data/archive \
    && chown imagine /data/archive

USER imagine
# No MALLOC_MMAP_THRESHOLD_ here: python -m bot sets glibc's mmap threshold itself at start-up
# (bot/__main__.py), so the image and a plain pip install behave the same.
ENV ARCHIVE_DIR=/data/archive \
    PORT=3000
EXPOSE 3000

# Exec form: python is PID 1 and receives SIGTERM, so queued jobs finish before exit.
CMD ["python", "-m", "bot"]
