#!/usr/bin/env python3
"""A loopback HTTPS server for the ao.github.caInfo test (Tests/ForgeTests/TLSTransportTests.swift).

Its certificate (tls/server.pem, for IP 127.0.0.1 and localhost) is signed by a private test
authority (tls/ca.pem) that no system trust store holds, so a client verifies it only when told
to trust that authority. Every GET is answered 200: a list of pull requests with [] (none open),
anything else with {"tls": true}; every request's path is logged to stderr. The port it listens on is printed as the first line on stdout.
"""
import os, ssl, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tls")

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'[]' if "/pulls" in self.path else b'{"tls":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("request %s\n" % self.path)
        sys.stderr.flush()

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(HERE, "server.pem"), os.path.join(HERE, "server-key.pem"))
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
