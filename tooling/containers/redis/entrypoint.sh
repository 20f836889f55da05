#!/bin/sh
# As the official image's entrypoint does: protected mode off, so that the other containers of the
# network may connect.
if [ "$1" = "redis-server" ]; then shift; set -- redis-server "$@" --protected-mode no; fi
exec "$@"
