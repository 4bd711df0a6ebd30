#!/bin/sh
# A PostgreSQL primary and its synchronous streaming standby, as the README's "High availability (PostgreSQL)"
# describes them. Run as the postgres user. tests/ha/test_replica_promotion.py builds its pair with this script.
#
#   ha-pair.sh primary DATA PORT            initdb a primary: wal_level=replica, synchronous_commit=on,
#                                           synchronous_standby_names='replica1', a `replicator` role and its
#                                           replication line in pg_hba.conf; then start it
#   ha-pair.sh standby DATA PORT PRIMARY_HOST PRIMARY_PORT
#                                           pg_basebackup -R the primary into DATA (slot replica1,
#                                           application_name=replica1) and start it as a hot standby
#   ha-pair.sh promote DATA                 make the standby the primary (after the primary is lost)
#
# Environment: PGBIN (default /usr/lib/postgresql/15/bin); HA_LISTEN, the address this server listens on
# (default 127.0.0.1); HA_STANDBY_ADDR, the standby's address, which the primary's pg_hba.conf lets replicate
# (default HA_LISTEN: both on one machine); HA_AUTH, the authentication method of the host lines initdb writes
# and of the replication line (default scram-sha-256: give `replicator` a password with ALTER ROLE and put it in
# the standby host's ~postgres/.pgpass).
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HA_LISTEN=${HA_LISTEN:-127.0.0.1}
HA_AUTH=${HA_AUTH:-scram-sha-256}
HA_STANDBY_ADDR=${HA_STANDBY_ADDR:-$HA_LISTEN}
NAME=replica1

usage() {
    sed -n '2,18p' "$0" >&2
    exit 2
}

[ $# -ge 2 ] || usage
command=$1
data=$2

case $command in
primary)
    [ $# -eq 3 ] || usage
    port=$3
    "$PGBIN/initdb" -D "$data" -U postgres --auth-local=peer --auth-host="$HA_AUTH" >/dev/null
    # Every commit waits until the standby has flushed it to disk: an acknowledged write survives the loss of
    # the primary. With a single standby, a stopped standby makes commits wait until it is back (see README).
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '$HA_LISTEN'
port = $port
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
synchronous_commit = on
synchronous_standby_names = '$NAME'
EOF
    echo "host replication replicator $HA_STANDBY_ADDR/32 $HA_AUTH" >>"$data/pg_hba.conf"
    "$PGBIN/pg_ctl" -D "$data" -l "$data.log" -w start >/dev/null
    # This one commit must not wait for the standby, which does not exist yet.
    PGOPTIONS="-c synchronous_commit=local" "$PGBIN/psql" -X -q -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE replicator WITH REPLICATION LOGIN"
    ;;
standby)
    [ $# -eq 5 ] || usage
    port=$3
    primary_host=$4
    primary_port=$5
    # -R writes standby.signal and primary_conninfo (with this application_name, which the primary's
    # synchronous_standby_names names); -C -S keeps the WAL the standby still needs in a replication slot.
    "$PGBIN/pg_basebackup" -D "$data" -X stream -c fast -R -C -S "$NAME" \
        -d "host=$primary_host port=$primary_port user=replicator application_name=$NAME"
    # The copied configuration is the primary's: this server listens on its own port, and once promoted it
    # does not wait for a synchronous standby it does not have yet (commits would hang). Attach a new standby
    # and set synchronous_standby_names again to get back to synchronous durability.
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '$HA_LISTEN'
port = $port
hot_standby = on
synchronous_standby_names = ''
EOF
    "$PGBIN/pg_ctl" -D "$data" -l "$data.log" -w start >/dev/null
    ;;
promote)
    [ $# -eq 2 ] || usage
    "$PGBIN/pg_ctl" -D "$data" -w promote >/dev/null
    ;;
*)
    usage
    ;;
esac
