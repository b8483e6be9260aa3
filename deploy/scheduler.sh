#!/bin/sh
# Daily housekeeping: compose.yaml's `scheduler` service runs this in the app image,
# with the app's DATABASE_URL. Once at start, then every SCHEDULE_SECONDS:
#   sdm sessions purge                       ended and idle sessions, old failed logins
#   sdm consultations purge --older-than N   preference sets older than KEEP_CONSULTATION_DAYS
#   sdm backup BACKUP_DIR/choosewell-<UTC time>.backup, keeping the newest KEEP_BACKUPS
# A failed step is logged and the others still run; the next run tries again.
# `scheduler.sh --once` runs one round and exits non-zero if a step failed.
set -u

BACKUP_DIR="${BACKUP_DIR:-/backups}"
KEEP_BACKUPS="${KEEP_BACKUPS:-14}"
KEEP_CONSULTATION_DAYS="${KEEP_CONSULTATION_DAYS:-90}"
SCHEDULE_SECONDS="${SCHEDULE_SECONDS:-86400}"
BY="${SCHEDULER_BY:-scheduler}"

log() {
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) scheduler: $*"
}

prune_backups() {
    # Names sort by their UTC time stamp: keep the newest KEEP_BACKUPS.
    ls -1 "$BACKUP_DIR" 2>/dev/null | grep -E '^choosewell-[0-9]{8}T[0-9]{6}Z\.backup$' \
        | sort -r | tail -n +"$((KEEP_BACKUPS + 1))" | while read -r old; do
            rm -f -- "$BACKUP_DIR/$old" && log "removed old backup $old"
        done
}

run_once() {
    failed=0
    sdm sessions purge --by "$BY" || { log "sessions purge FAILED"; failed=1; }
    sdm consultations purge --older-than "$KEEP_CONSULTATION_DAYS" --by "$BY" \
        || { log "consultations purge FAILED"; failed=1; }
    file="$BACKUP_DIR/choosewell-$(date -u +%Y%m%dT%H%M%SZ).backup"
    if sdm backup "$file"; then
        prune_backups  # only after a good backup, so the last good ones stay
    else
        log "backup FAILED"
        failed=1
    fi
    return "$failed"
}

case "${1:-}" in
    --once)
        run_once
        exit $?
        ;;
    "") ;;
    *)
        echo "usage: scheduler.sh [--once]" >&2
        exit 2
        ;;
esac

# As a container's main process: stop at once on docker stop.
trap 'log "stopping"; exit 0' TERM INT
log "every ${SCHEDULE_SECONDS}s: sessions purge, consultations purge (older than" \
    "${KEEP_CONSULTATION_DAYS} days), backup to $BACKUP_DIR (newest $KEEP_BACKUPS kept)"
while :; do
    run_once || log "a step failed; the next run tries again"
    sleep "$SCHEDULE_SECONDS" &
    wait $!
done
