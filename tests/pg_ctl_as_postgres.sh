#!/bin/sh
# pg_ctl must run as the cluster's owner; tests running as root call it through here.
exec runuser -u postgres -- "$PG_CTL_REAL" "$@"
