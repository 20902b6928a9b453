#!/usr/bin/env python3
"""A loopback GitHub for bench/forge-pass.sh: open pull requests for the given branches, built from
the recorded payloads in Tests/Fixtures/github, every response delayed by --latency, ETags on
every REST response (If-None-Match -> 304). GET /__stats returns the counts; POST /__change?pr=N
makes pull request N look updated (new updated_at, new ETags for its reads); POST /__reset-stats."""
import argparse, copy, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

parser = argparse.ArgumentParser()
parser.add_argument("--fixtures", required=True)
parser.add_argument("--branches", required=True, help="file with one branch per line")
parser.add_argument("--repo", default="acme/widgets")
parser.add_argument("--latency", type=float, default=0.05)
parser.add_argument("--port-file", required=True)
args = parser.parse_args()

def load(path, key):
    with open(f"{args.fixtures}/{path}") as f:
        return json.load(f)[key]

template = load("pull_request/opened.payload.json", "pull_request")
run_template = load("check_run/completed.payload.json", "check_run")
branches = [line.strip() for line in open(args.branches) if line.strip()]
prs = {}
for number, branch in enumerate(branches, start=1):
    pr = copy.deepcopy(template)
    sha = f"{number:040x}"
    pr.update(number=number, state="open", draft=False, merged=False, mergeable=True, mergeable_state="clean",
              updated_at="2026-01-01T00:00:00Z", requested_reviewers=[], requested_teams=[])
    pr["head"]["ref"], pr["head"]["sha"] = branch, sha
    pr["head"]["repo"]["full_name"] = args.repo
    pr["base"]["ref"] = "main"
    pr["base"]["repo"]["full_name"] = args.repo
    prs[number] = pr
versions = {n: 1 for n in prs}
lock = threading.Lock()
stats = {"requests": 0, "not_modified": 0, "graphql": 0, "by_pr_changed": {}}
base = f"/repos/{args.repo}"

def routes():
    table = {f"{base}/pulls?state=open&per_page=100": ("list", None)}
    for n, pr in prs.items():
        sha = pr["head"]["sha"]
        table[f"{base}/pulls/{n}"] = ("pr", n)
        table[f"{base}/commits/{sha}/check-runs?per_page=100"] = ("runs", n)
        table[f"{base}/commits/{sha}/status?per_page=100"] = ("status", n)
        table[f"{base}/pulls/{n}/reviews?per_page=100"] = ("reviews", n)
        table[f"{base}/pulls/{n}/comments?per_page=100"] = ("comments", n)
    return table
table = routes()

def body(kind, n):
    if kind == "list":
        return list(prs.values()), "list-" + "-".join(str(versions[k]) for k in sorted(versions))
    pr = prs[n]
    if kind == "pr":
        return pr, f"pr{n}-{versions[n]}"
    if kind == "runs":
        run = copy.deepcopy(run_template)
        run.update(id=n, name="build", head_sha=pr["head"]["sha"], status="completed", conclusion="success")
        return {"total_count": 1, "check_runs": [run]}, f"runs{n}-{versions[n]}"
    if kind == "status":
        return {"state": "success", "statuses": []}, f"status{n}-{versions[n]}"
    return [], f"{kind}{n}-{versions[n]}"

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle and delayed ACKs add ~40 ms.
    disable_nagle_algorithm = True
    def log_message(self, *a): pass

    def reply(self, status, payload=None, etag=None):
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if etag: self.send_header("ETag", f'"{etag}"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__stats":
            with lock: return self.reply(200, stats)
        time.sleep(args.latency)
        with lock:
            stats["requests"] += 1
            route = table.get(self.path)
            if route is None: return self.reply(404, {"message": "Not Found"})
            payload, etag = body(*route)
            if self.headers.get("If-None-Match") == f'"{etag}"':
                stats["not_modified"] += 1
                return self.reply(304, etag=etag)
            key = str(route[1]) if route[1] else "list"
            stats["by_pr_changed"][key] = stats["by_pr_changed"].get(key, 0) + 1
        self.reply(200, payload, etag)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        url = urlsplit(self.path)
        if url.path == "/__change":
            n = int(parse_qs(url.query)["pr"][0])
            with lock:
                versions[n] += 1
                prs[n]["updated_at"] = f"2026-01-01T{versions[n] // 3600:02d}:{versions[n] // 60 % 60:02d}:{versions[n] % 60:02d}Z"
            return self.reply(200, {})
        if url.path == "/__reset-stats":
            with lock: stats.update(requests=0, not_modified=0, graphql=0, by_pr_changed={})
            return self.reply(200, {})
        time.sleep(args.latency)
        with lock:
            stats["requests"] += 1
            stats["graphql"] += 1
        self.reply(200, {"data": {"repository": {"pullRequest": {"reviewThreads": {
            "pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}}}}})

class Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connection attempts when 8 arrive at once, and a dropped
    # SYN is retried only after a second: that would be measuring the server.
    request_queue_size = 128

server = Server(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(args.port_file, "w") as f: f.write(str(server.server_address[1]))
server.serve_forever()
