#!/usr/bin/env bash
# Resident memory of a server under load (docs/benchmarks.md, "Memory and the
# write-ahead log"): serves a copy of DB with BIN, loads it for SECONDS from 4
# clients mixing /numbers (60%), HelperIQ search (20%), HelperIQ list pages
# (10%) and RelateCRM list pages (10%), then prints the request count, the
# process's memory lines from /proc and the store sizes from /metrics.
#
#   scripts/memory-under-load.sh target/release/contacts-host target/tmp/bench/bench-100000.db 40 100000
#
# N is the number of contacts, to pick list pages and numbers in range (the
# benchmark's numbers are 06 0000 0000 + i). Linux only (/proc).
set -euo pipefail
bin=$1 db=$2 seconds=$3 n=$4
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$db" "$work/db"
token=$("$bin" token create --db "sqlite:$work/db" --name "Load Agent" | tail -1)
"$bin" serve --listen 127.0.0.1:0 --db "sqlite:$work/db" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 150); do grep -q "listening on" "$work/out" && break; sleep 0.2; done
port=$(sed -n 's#.*http://127.0.0.1:\([0-9]*\).*#\1#p' "$work/out" | head -1)
python3 - "$port" "$token" "$seconds" "$n" <<'PY'
import http.client, random, sys, threading, time
port, token, seconds, n = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
names = ["martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand", "leroy", "moreau"]
done = []
def worker(seed):
    rnd, c, count = random.Random(seed), http.client.HTTPConnection("127.0.0.1", port), 0
    end = time.time() + seconds
    while time.time() < end:
        k = rnd.randrange(10)
        if k < 6:
            path, dialect = "/api/v1/contacts/numbers?phone_number=%2B336" + str(rnd.randrange(n)).zfill(8), "bluerocktel"
        elif k < 8:
            path, dialect = "/api/v1/contacts/search?q=" + rnd.choice(names), "helperiq"
        elif k < 9:
            path, dialect = "/api/v1/contacts?page=%d&page_size=50" % rnd.randrange(1, max(2, n // 50)), "helperiq"
        else:
            path, dialect = "/api/contacts?per_page=15&page=%d" % rnd.randrange(1, 200), "relatecrm"
        c.request("GET", path, headers={"Authorization": "Bearer " + token, "X-Contacts-Dialect": dialect})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit(f"{path}: {r.status}")
        count += 1
    done.append(count)
threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("requests", sum(done))
PY
grep -E "VmRSS|VmHWM|RssAnon|RssFile" "/proc/$pid/status"
curl -s "http://127.0.0.1:$port/metrics" | grep -E "^(process_resident_memory_bytes|contacts_store_file_bytes)"
