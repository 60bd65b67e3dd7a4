# halshop in a container: a release build in the Rust image, then the binary alone (with the
# demo content) in a small Debian image, run by an unprivileged user.
#
#   docker build -t halshop .
#   docker run --rm -p 8080:8080 -v halshop-data:/data halshop
#
# Configuration is the same environment as outside a container (see the README).

FROM rust:1-bookworm AS build
WORKDIR /src
# cmake and clang build the aws-lc crypto library that rustls and the JWT verifier use.
RUN apt-get update && apt-get install -y --no-install-recommends cmake clang && rm -rf /var/lib/apt/lists/*
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin halshop && cp target/release/halshop /usr/local/bin/halshop

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin halshop \
    && mkdir -p /data && chown halshop /data
COPY --from=build /usr/local/bin/halshop /usr/local/bin/halshop
COPY content /srv/halshop/content
USER halshop
WORKDIR /data
ENV HALSHOP_BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/halshop.db?mode=rwc \
    CONTENT_DIR=/srv/halshop/content \
    HALSHOP_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD curl -fsS http://127.0.0.1:8080/health/ready >/dev/null || exit 1
ENTRYPOINT ["halshop"]
CMD ["serve"]
