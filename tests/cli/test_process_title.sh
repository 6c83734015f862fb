# A password in --db never shows in the process title: `ps` and
# /proc/PID/cmdline show the URI with the password overwritten, in the
# user:PASSWORD@ part and in a ?password= parameter, while the command
# still connects with it.  The "server" is a loopback socket that accepts
# and never answers, so the command waits in its connect long enough to be
# looked at (no PostgreSQL needed).
. "$LR_SRC/tests/cli/lib.sh"
[ -r /proc/self/cmdline ] || { echo "skipped: no /proc"; exit 77; }

python3 - > port.txt <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
end = time.time() + 120                      # watchdog: never outlive the test
while time.time() < end:
    s.settimeout(1)
    try:
        conns.append(s.accept()[0])         # held open, never answered
    except socket.timeout:
        pass
PY
server=$!
for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.05; done
port=$(cat port.txt)
[ -n "$port" ] && pass || fail "the loopback listener did not start"

# look URI: start info against the silent server, read its title, stop it.
look() {
  "$LEADRULES" --db "$1" info > info.out 2>&1 &
  local pid=$! title=
  for _ in $(seq 100); do
    title=$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)
    [ -n "$title" ] && [ "${title#*info}" != "$title" ] && break
    sleep 0.05
  done
  sleep 0.2                                 # past main's copy of the value
  TITLE=$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)
  kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
}

look "postgresql://ann:hunter2@127.0.0.1:$port/crm"
[ -n "$TITLE" ] && pass || fail "the command ended before its title was read: $(cat info.out)"
case "$TITLE" in *hunter2*) fail "password in the process title: $TITLE" ;; *) pass ;; esac
case "$TITLE" in *"postgresql://ann:xxxxxxx@127.0.0.1:$port/crm info"*) pass ;;
  *) fail "title: $TITLE" ;; esac

look "postgres://ann@127.0.0.1:$port/crm?sslmode=disable&password=s3cr%40t&application_name=x"
case "$TITLE" in *s3cr*) fail "password parameter in the process title: $TITLE" ;; *) pass ;; esac
case "$TITLE" in *"?sslmode=disable&password=xxxxxxxx&application_name=x info"*) pass ;;
  *) fail "title: $TITLE" ;; esac

# Ctrl-C or SIGTERM while connecting: libpq waits in its connect
# (connect_timeout=60 here) without looking at the flag, so the signal
# ends the process at once (status 130, SIGTERM 143), far inside the 20 s
# watchdog, where a process that waited for the timeout would still be
# running.
for sig in INT:130 TERM:143; do
  "$LEADRULES" --db "postgresql://ann@127.0.0.1:$port/crm?connect_timeout=60" info > int.out 2>&1 &
  pid=$!
  sleep 0.5
  kill -${sig%:*} $pid
  for _ in $(seq 400); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
  if kill -0 $pid 2>/dev/null; then
    fail "still connecting 20 s after SIG${sig%:*}"
    kill -KILL $pid
  fi
  wait $pid
  same "$?" ${sig#*:} "exit status after SIG${sig%:*} while connecting"
done

# A file path is left as it is.
printf 'email\na@x.example\n' | "$LEADRULES" --db 'pass:word@x.db' import contacts - >/dev/null
same "$("$LEADRULES" --db 'pass:word@x.db' info | head -1)" "database:   pass:word@x.db (schema version 4)"

kill $server 2>/dev/null; wait $server 2>/dev/null
finish
