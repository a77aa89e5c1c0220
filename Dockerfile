# syntax=docker/dockerfile:1
# leakgate in a minimal image: one static (musl) binary, nothing else: no shell, no git (leakgate
# reads repositories itself, through gix), no package manager. Runs as an unprivileged user.
#
#   docker build -t leakgate .
#   docker run --rm -v "$PWD:/repo" leakgate scan .
#
# Images with no shell cannot be a CI job's `image:` where the job runs a script (GitLab CI);
# there, use action/install.sh (README, "Install in 30 seconds"), or copy the binary out:
#   COPY --from=leakgate /usr/local/bin/leakgate /usr/local/bin/leakgate
# Base images are pinned by version; pin them by digest too in your own registry.

FROM rust:1.95.0-alpine AS build
# Alpine's Rust targets musl and links statically by default; the linker needs musl's headers.
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY benches benches
COPY rules rules
COPY src src
# Cache mounts keep downloaded crates and build output between builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --release \
    && cp target/release/leakgate /leakgate
# It runs (static: the final image has no libc).
RUN /leakgate --version

FROM scratch
COPY --from=build /leakgate /usr/local/bin/leakgate
# Any unprivileged id: leakgate needs no home directory, no /etc/passwd and no writable path
# other than where -o writes a report. A mounted repository owned by another user is read as is.
USER 65532:65532
WORKDIR /repo
ENTRYPOINT ["/usr/local/bin/leakgate"]
CMD ["scan", "."]
