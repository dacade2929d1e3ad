# Dockerfile: builds willitrun on Debian 12 and ships it with its database migrated and seeded at
# build time; the runtime image has no compiler and runs as an unprivileged user.
#   docker build -t willitrun .
#   docker run --rm -p 8080:8080 willitrun

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Tests are built and run by scripts/test, not in the image.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DWIR_TESTS=OFF \
 && cmake --build /build --target willitrun -j"$(nproc)" \
 && mkdir -p /var/lib/willitrun \
 && /build/willitrun --migrate-only --db /var/lib/willitrun/willitrun.db

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libmicrohttpd12 libjansson4 libsqlite3-0 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin willitrun
COPY --from=build /build/willitrun /usr/local/bin/willitrun
# The database is read-only at run time: owned by root, readable by everyone, in a directory the
# server cannot write to (SQLite's rollback journal is only needed for writes).
COPY --from=build /var/lib/willitrun/willitrun.db /var/lib/willitrun/willitrun.db
RUN chown -R root:root /var/lib/willitrun \
 && chmod 0755 /var/lib/willitrun \
 && chmod 0444 /var/lib/willitrun/willitrun.db
USER willitrun
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/willitrun","--bind","0.0.0.0","--port","8080","--db","/var/lib/willitrun/willitrun.db"]
