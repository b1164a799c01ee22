#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small HTTP/1.1 test server for tests/e2e/40-http-tls.t (Python standard
library only; independent of our lib/).

  httpd.py --port-file FILE [--bind ADDR] [--tls CERT KEY] [--client-ca CA]
           [--tls13-only]

Writes the port it listens on to FILE. Paths:
  /hello        200, Content-Length, keep-alive; the body names the connection
  /conns        the number of connections accepted so far
  /chunked      chunked: three chunks 0.3 s apart, with extensions and a trailer
  /close        200 without length, body ended by closing the connection
  /drop         200 with keep-alive, then the server closes the connection
  /slow         answers after 5 s
  /big          3 MiB of JSON-ish text (a large list)
  /whoami       the client certificate's CN (with --client-ca), or "none"
  /echo         the request's method, Authorization and body, as JSON
"""
import argparse
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        with self.server.lock:
            self.server.conns += 1
            self.conn_id = self.server.conns
        super().setup()

    def log_message(self, fmt, *args):
        sys.stderr.write("httpd: " + (fmt % args) + "\n")

    def send_body(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/hello":
            self.send_body(200, b"hello from connection %d\n" % self.conn_id)
        elif p == "/conns":
            self.send_body(200, b"%d" % self.server.conns)
        elif p == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Done")
            self.end_headers()
            for i in range(3):
                line = b'{"type":"ADDED","n":%d}\n' % i
                self.wfile.write(b"%x;seq=%d\r\n%s\r\n" % (len(line), i, line))
                self.wfile.flush()
                time.sleep(0.3)
            self.wfile.write(b"0\r\nX-Done: yes\r\n\r\n")
        elif p == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end\n" * 1000)
            self.close_connection = True
        elif p == "/drop":
            self.send_body(200, b"dropping\n")
            self.close_connection = True
        elif p == "/slow":
            time.sleep(5)
            self.send_body(200, b"late\n")
        elif p == "/big":
            line = b'{"kind":"ResourceSlice","n":"%07d"}\n'
            self.send_body(200, b"".join(line % i for i in range(3 * 1024 * 1024 // 36)))
        elif p == "/whoami":
            cn = "none"
            cert = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
            if cert:
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            cn = v
            self.send_body(200, cn.encode())
        else:
            self.send_body(404, b'{"kind":"Status","code":404}', "application/json")

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        out = {"method": self.command, "auth": self.headers.get("Authorization", ""),
               "body": body, "ctype": self.headers.get("Content-Type", "")}
        self.send_body(200, json.dumps(out, sort_keys=True).encode(), "application/json")

    do_POST = do_PUT


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, ctx):
        self.ctx = ctx
        self.lock = threading.Lock()
        self.conns = 0
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ctx:
            # the handshake runs in the handler thread (finish_request), so a
            # client that fails it cannot stall the accept loop
            sock = self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request, client_address):
        if self.ctx:
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError) as e:
                sys.stderr.write("httpd: handshake failed: %s\n" % e)
                return
        super().finish_request(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--client-ca")
    ap.add_argument("--tls13-only", action="store_true")
    a = ap.parse_args()
    ctx = None
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        if a.tls13_only:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
    if ":" in a.bind:
        TLSServer.address_family = socket.AF_INET6
    srv = TLSServer((a.bind, 0), ctx)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
