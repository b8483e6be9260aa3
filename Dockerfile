# Choosewell application image. Migrations and data loading are separate steps:
#   docker run --rm -e DATABASE_URL=... IMAGE sdm db upgrade
#   docker run --rm -e DATABASE_URL=... IMAGE sdm data load --by release
#   docker run -e DATABASE_URL=... -e SDM_ENV=production -p 8000:8000 IMAGE
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SDM_ENV=production
RUN useradd --system --uid 10001 --home-dir /srv/app choosewell
WORKDIR /srv/app
COPY --from=build /install /usr/local
COPY app ./app
COPY alembic ./alembic
COPY alembic.ini ./
COPY drugdata ./drugdata
COPY templates ./templates
USER choosewell
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"
CMD ["uvicorn", "--factory", "app.main:create_app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
