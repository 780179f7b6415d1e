# syntax=docker/dockerfile:1
#
# Not built by the test suite: no container engine on the CI machines.
# server/tests/deploy_files.rs only checks that the versions pinned here
# match scripts/env.sh and Cargo.toml, and that the image's settings agree
# with the server's. Build it yourself after changing it:
#
#   docker build --build-arg PULSE_GIT_COMMIT=$(git rev-parse --short=12 HEAD) -t pulse .
#   docker run -d --name pulse -p 3000:3000 -v pulse-data:/var/lib/pulse \
#       --stop-timeout 45 pulse
#   docker exec -it pulse pulse account create --username alice --superadmin
#
# docs/DEPLOY.md ("Docker") says more.

# ---- wasm-opt: npm's binaryen, as scripts/setup.sh installs it ----------
FROM node:20-bookworm-slim AS binaryen
ARG BINARYEN_VERSION=132
RUN npm install --no-audit --no-fund --prefix /opt/binaryen "binaryen@${BINARYEN_VERSION}"

# ---- build: the web app (Trunk), then the server ------------------------
FROM rust:1.95-bookworm AS builder
ARG TRUNK_VERSION=0.21.14
ARG WASM_BINDGEN_VERSION=0.2.130
RUN rustup target add wasm32-unknown-unknown
RUN cargo install trunk --version "${TRUNK_VERSION}" --locked
# Not --locked: one dependency of its lock file is no longer in the registry.
RUN cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}"
# wasm-opt is a Node program: it needs node beside it.
COPY --from=binaryen /usr/local/bin/node /usr/local/bin/node
COPY --from=binaryen /opt/binaryen /opt/binaryen
ENV PATH="/opt/binaryen/node_modules/.bin:${PATH}"

WORKDIR /src
COPY . .
# .git is not copied (.dockerignore): pass the commit for `pulse --version`,
# or it says "commit unknown" (server/build.rs).
ARG PULSE_GIT_COMMIT=
# The web app first: the server build embeds dist/ (webapp/build.rs).
RUN trunk build --release
RUN cargo build --release --locked -p pulse-server \
 && install -D -m 0755 target/release/pulse /out/pulse

# ---- runtime: the binary, a user, a volume ------------------------------
FROM debian:bookworm-slim
# curl for the HEALTHCHECK below; sqlite3 for online backups
# (docs/DEPLOY.md); ca-certificates for outbound TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl sqlite3 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system pulse \
 && useradd --system --gid pulse --home-dir /var/lib/pulse --shell /usr/sbin/nologin pulse \
 && install -d -o pulse -g pulse -m 0750 /var/lib/pulse

COPY --from=builder /out/pulse /usr/local/bin/pulse
# The web app is inside the binary (pulse-webapp): nothing else to copy.

# Listen on every interface of the container; the database in the volume.
# Put PULSE_DATABASE_URL with a password in an env file (docker run
# --env-file), never in the image.
ENV PULSE_ADDR=0.0.0.0:3000 \
    PULSE_DATABASE_URL=sqlite:///var/lib/pulse/pulse.db
VOLUME /var/lib/pulse
WORKDIR /var/lib/pulse
USER pulse
EXPOSE 3000

# 200 when the database answers (GET /healthz). If you change PULSE_ADDR's
# port, change it here too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1

# Pulse finishes requests in flight for up to PULSE_REQUEST_TIMEOUT (30 s)
# after SIGTERM: give `docker stop` more than its default 10 s
# (--stop-timeout 45, or stop_grace_period: 45s in Compose).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/pulse"]
CMD ["serve"]
