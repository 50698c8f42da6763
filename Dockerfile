# rsentinel in a container: built with cargo, run from a slim image as a non-root user.
# The config lives in the /data volume so that rsentinel's rewrites (myid, epochs,
# the current master after a failover) survive a restart of the container.
#
#   docker build -t rsentinel .
#   docker run -v rsentinel-data:/data -e SENTINEL_MASTER_HOST=10.0.0.5 rsentinel

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p rsentinel

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin rsentinel \
 && mkdir -p /data && chown rsentinel:rsentinel /data
COPY --from=build /src/target/release/rsentinel /usr/local/bin/rsentinel
COPY contrib/docker/entrypoint.sh /usr/local/bin/rsentinel-entrypoint
COPY LICENSE /usr/share/doc/rsentinel/LICENSE
USER rsentinel
WORKDIR /data
VOLUME ["/data"]
EXPOSE 26379 9479
ENTRYPOINT ["/usr/local/bin/rsentinel-entrypoint"]
