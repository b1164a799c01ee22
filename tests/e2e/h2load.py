#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Many concurrent streams on one connection from python3-h2 (Debian), an
HTTP/2 client independent of lib/h2, against tests/tools/h2echo.

usage: h2load.py SOCKET N_REQUESTS MAX_BODY

Keeps as many streams open as the server's SETTINGS_MAX_CONCURRENT_STREAMS
allows; each POST carries a pseudo-random body (some larger than the 64 KiB
default windows, so WINDOW_UPDATE must flow both ways) and must come back
echoed byte for byte with x-echo-len; every 7th request is a GET /size/N.
Prints "h2load: N ok, max concurrent M" and exits 1 on any mismatch.
"""
import random
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings


def body_for(i, size):
    r = random.Random(i)
    return bytes(r.getrandbits(8) for _ in range(min(size, 4096))) * (size // 4096 + 1)


def main():
    path, total, max_body = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(10)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                 header_encoding="utf-8"))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20})
    s.sendall(conn.data_to_send())
    # The server's SETTINGS (MAX_CONCURRENT_STREAMS) first: its first frame.
    evs = conn.receive_data(s.recv(65536))
    if not evs or not isinstance(evs[0], h2.events.RemoteSettingsChanged):
        print("h2load: the server's first frame is not SETTINGS: %r" % evs)
        return 1
    s.sendall(conn.data_to_send())
    rnd = random.Random(42)
    pending = {}  # stream id -> [expected body, sent offset, received chunks, headers]
    next_req, done, max_open = 0, 0, 0
    while done < total:
        limit = conn.remote_settings.max_concurrent_streams
        while next_req < total and conn.open_outbound_streams < limit:
            sid = conn.get_next_available_stream_id()
            size = rnd.choice([0, 1, 100, 5000, 70000, rnd.randrange(max_body + 1)])
            if next_req % 7 == 6:
                want = bytes((ord("a") + k % 26) for k in range(size))
                conn.send_headers(sid, [(":method", "GET"), (":scheme", "http"),
                                        (":path", "/size/%d" % size),
                                        (":authority", "localhost")], end_stream=True)
                pending[sid] = [want, len(want), [], None, True]
            else:
                want = body_for(next_req, size)[:size]
                conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"),
                                        (":path", "/echo/%d" % next_req),
                                        (":authority", "localhost"),
                                        ("content-type", "application/octet-stream")])
                pending[sid] = [want, 0, [], None, False]
            next_req += 1
        max_open = max(max_open, conn.open_outbound_streams)
        # Send request bodies as the server's windows allow.
        for sid, st in pending.items():
            if st[4]:
                continue
            while st[1] < len(st[0]):
                room = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
                if room <= 0:
                    break
                chunk = st[0][st[1]:st[1] + room]
                st[1] += len(chunk)
                conn.send_data(sid, chunk, end_stream=st[1] == len(st[0]))
            if st[1] == len(st[0]) and len(st[0]) == 0:
                conn.send_data(sid, b"", end_stream=True)
                st[1] = 1
                st[0] = b""
            st[4] = st[1] >= len(st[0]) and (len(st[0]) > 0 or st[1] == 1)
        s.sendall(conn.data_to_send())
        data = s.recv(1 << 20)
        if not data:
            print("h2load: server closed the connection")
            return 1
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                pending[ev.stream_id][3] = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                pending[ev.stream_id][2].append(ev.data)
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                st = pending.pop(ev.stream_id)
                got = b"".join(st[2])
                hdrs = st[3] or {}
                if hdrs.get(":status") != "200" or got != st[0] or \
                        hdrs.get("x-echo-len") != str(len(st[0])):
                    print("h2load: stream %d: status %s, %d bytes back of %d" %
                          (ev.stream_id, hdrs.get(":status"), len(got), len(st[0])))
                    return 1
                done += 1
            elif isinstance(ev, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                print("h2load: %r" % ev)
                return 1
        s.sendall(conn.data_to_send())
    conn.close_connection()
    s.sendall(conn.data_to_send())
    print("h2load: %d ok, max concurrent %d" % (done, max_open))
    return 0


if __name__ == "__main__":
    sys.exit(main())
