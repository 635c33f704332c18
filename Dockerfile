# The inverse-offer-framework container image: the static binary and the few files it reads,
# nothing else (no shell, no package manager, no libc: the binary carries its own).
#
# Build it with scripts/build-image.sh, which prepares the build context this file expects (a
# staging directory, not the checkout: the build tree is gigabytes) and builds with podman:
#   inverse-offer-framework   the static binary, stripped
#   etc/passwd, etc/group     from deploy/image/etc: root, the image's user iof (65532), nobody
#   etc/ssl/certs/ca-certificates.crt   the build machine's CA bundle
#   dirs/tmp/, dirs/var/lib/  empty directories: /tmp (mode 1777) and the state's parent
#   state/                    an empty directory, for the state file
# With Docker: stage the same files yourself, then `docker build -f Dockerfile <staging dir>`.
FROM scratch

COPY etc/passwd etc/group /etc/
# https:// masters are verified against the public CAs of this bundle: the binary's OpenSSL looks
# in /usr/lib/ssl by default, which does not exist here, so point it at the bundle.
COPY etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# /tmp, writable by anyone (mode 1777), and /var/lib, both owned by root.
COPY dirs/ /
# Writable by the image's user only: --state_file=/var/lib/inverse-offer-framework/state.json.
# Mount a volume here to keep the framework ID and tasks across container restarts.
COPY --chown=65532:65532 state/ /var/lib/inverse-offer-framework/
COPY inverse-offer-framework /usr/local/bin/inverse-offer-framework

# The framework itself needs no privilege: an unprivileged user that exists in /etc/passwd.
USER 65532:65532
WORKDIR /var/lib/inverse-offer-framework
# The user the tasks run as on the agents (FrameworkInfo.user). Not the container's own user:
# uid 65532 means nothing on an agent, and root would run every task as root. "nobody" exists on
# every Linux agent. Override with -e MESOS_EXAMPLE_TASK_USER=... or --task_user=...
ENV MESOS_EXAMPLE_TASK_USER=nobody
# The metrics, /state and /health: bind all interfaces, since 127.0.0.1 inside a container with
# its own network is unreachable from outside it.
ENV MESOS_EXAMPLE_HTTP_ADDRESS=0.0.0.0:8090
EXPOSE 8090
ENTRYPOINT ["/usr/local/bin/inverse-offer-framework"]
