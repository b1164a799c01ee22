// SPDX-License-Identifier: Apache-2.0

// grpcgo: the grpc-go side of bench/grpc.sh, built by bench/grpc/build.sh
// (Debian's golang-google-grpc-dev, the kubelet peer's own protos).
//
//	grpcgo -serve SOCK [-claims N] [-exit-after N]
//	                                  the DRA v1 service on grpc-go, same work as
//	                                  bench/grpc_server.c (see there)
//	grpcgo -load SOCK -n CALLS -c STREAMS [-warm W] [-claims N]
//	                                  one connection (as the kubelet keeps), STREAMS
//	                                  concurrent NodePrepareResources calls, one claim
//	                                  each, every answer checked; prints one line of
//	                                  figures (latencies in µs)
//	grpcgo -hostile SOCK [-stalled K] hostile connections until killed: K that send the
//	                                  preface and SETTINGS then nothing, and one that
//	                                  sends requests and never reads
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	drav1 "kpeer/drav1pb"
)

const prepareMethod = "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources"

type claim struct{ pool, device, cdi string }

type server struct {
	drav1.UnimplementedDRAPluginServer
	claims    map[string]*claim
	calls     int64
	exitAfter int64
}

func (s *server) NodePrepareResources(ctx context.Context, req *drav1.NodePrepareResourcesRequest) (*drav1.NodePrepareResourcesResponse, error) {
	if n := atomic.AddInt64(&s.calls, 1); n == s.exitAfter {
		// Under callgrind, which cannot take Go's signals: exit once answered.
		go func() { time.Sleep(200 * time.Millisecond); os.Exit(0) }()
	}
	resp := &drav1.NodePrepareResourcesResponse{Claims: make(map[string]*drav1.NodePrepareResourceResponse, len(req.Claims))}
	for _, c := range req.Claims {
		r := &drav1.NodePrepareResourceResponse{}
		if f, ok := s.claims[c.Uid]; ok {
			r.Devices = []*drav1.Device{{RequestNames: []string{"nic"}, PoolName: f.pool,
				DeviceName: f.device, CdiDeviceIds: []string{f.cdi}}}
		} else {
			r.Error = "claim not found"
		}
		resp.Claims[c.Uid] = r
	}
	return resp, nil
}

func (s *server) NodeUnprepareResources(ctx context.Context, req *drav1.NodeUnprepareResourcesRequest) (*drav1.NodeUnprepareResourcesResponse, error) {
	resp := &drav1.NodeUnprepareResourcesResponse{Claims: make(map[string]*drav1.NodeUnprepareResourceResponse, len(req.Claims))}
	for _, c := range req.Claims {
		resp.Claims[c.Uid] = &drav1.NodeUnprepareResourceResponse{}
	}
	return resp, nil
}

func serve(sock string, n int, exitAfter int) {
	s := &server{claims: make(map[string]*claim, n), exitAfter: int64(exitAfter)}
	for i := 0; i < n; i++ {
		s.claims[fmt.Sprintf("uid-%d", i)] = &claim{"node-1", fmt.Sprintf("dev-%d", i), fmt.Sprintf("dra.net/nic=dev-%d", i)}
	}
	os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcgo:", err)
		os.Exit(1)
	}
	g := grpc.NewServer()
	drav1.RegisterDRAPluginServer(g, s)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; g.Stop() }()
	fmt.Println("ready", sock)
	g.Serve(l)
	os.Remove(sock)
}

func dial(sock string) *grpc.ClientConn {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, sock, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", addr)
		}))
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcgo: dial:", err)
		os.Exit(1)
	}
	return conn
}

func load(sock string, calls, streams, warm, nclaims int) {
	conn := dial(sock)
	defer conn.Close()
	cl := drav1.NewDRAPluginClient(conn)
	lat := make([]time.Duration, calls)
	var next, errs int64
	one := func(i int) (time.Duration, bool) {
		k := i % nclaims
		uid := fmt.Sprintf("uid-%d", k)
		req := &drav1.NodePrepareResourcesRequest{Claims: []*drav1.Claim{{Namespace: "bench", Uid: uid, Name: "c"}}}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t0 := time.Now()
		r, err := cl.NodePrepareResources(ctx, req)
		d := time.Since(t0)
		cancel()
		ok := err == nil && len(r.Claims) == 1 && r.Claims[uid] != nil && r.Claims[uid].Error == "" &&
			len(r.Claims[uid].Devices) == 1 && r.Claims[uid].Devices[0].DeviceName == fmt.Sprintf("dev-%d", k) &&
			len(r.Claims[uid].Devices[0].CdiDeviceIds) == 1
		return d, ok
	}
	run := func(total int, rec bool) time.Duration {
		var wg sync.WaitGroup
		atomic.StoreInt64(&next, 0)
		t0 := time.Now()
		for s := 0; s < streams; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(atomic.AddInt64(&next, 1)) - 1
					if i >= total {
						return
					}
					d, ok := one(i)
					if rec {
						lat[i] = d
						if !ok {
							atomic.AddInt64(&errs, 1)
						}
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(t0)
	}
	run(warm, false)
	el := run(calls, true)
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	us := func(q float64) float64 { return float64(lat[int(q*float64(calls-1))].Nanoseconds()) / 1e3 }
	fmt.Printf("calls %d errors %d secs %.3f rps %.0f p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
		calls, errs, el.Seconds(), float64(calls)/el.Seconds(), us(0.5), us(0.9), us(0.99), us(1))
}

// hostile: K stalled connections, and one that floods requests and never reads.
func hostile(sock string, stalled int, flood bool) {
	var held []net.Conn
	for i := 0; i < stalled; i++ {
		c, err := net.Dial("unix", sock)
		if err != nil {
			fmt.Fprintln(os.Stderr, "grpcgo: hostile dial:", err)
			os.Exit(1)
		}
		c.Write([]byte(http2.ClientPreface))
		http2.NewFramer(c, nil).WriteSettings()
		held = append(held, c)
	}
	var sent, conns int64
	go func() {
		if !flood {
			return
		}
		body, _ := proto.Marshal(&drav1.NodePrepareResourcesRequest{Claims: []*drav1.Claim{{Namespace: "bench", Uid: "uid-0", Name: "c"}}})
		msg := append([]byte{0, 0, 0, 0, byte(len(body))}, body...)
		for {
			c, err := net.Dial("unix", sock)
			if err != nil {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			atomic.AddInt64(&conns, 1)
			c.Write([]byte(http2.ClientPreface))
			fr := http2.NewFramer(c, nil)
			fr.WriteSettings()
			var hb []byte
			for id := uint32(1); id < 1<<30; id += 2 {
				var buf = new(bytesBuf)
				enc := hpack.NewEncoder(buf)
				for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", prepareMethod},
					{":authority", "localhost"}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
					enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
				}
				hb = buf.b
				if fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb, EndHeaders: true}) != nil ||
					fr.WriteData(id, true, msg) != nil {
					break
				}
				// At most ~3,000 requests/s: a hostile peer, not a load of its own.
				if atomic.AddInt64(&sent, 1)%32 == 0 {
					time.Sleep(10 * time.Millisecond)
				}
			}
			c.Close()
			time.Sleep(10 * time.Millisecond)
		}
	}()
	fmt.Println("hostile ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	fmt.Printf("hostile: flood sent %d requests on %d connections\n", atomic.LoadInt64(&sent), atomic.LoadInt64(&conns))
	for _, c := range held {
		c.Close()
	}
}

type bytesBuf struct{ b []byte }

func (w *bytesBuf) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

func main() {
	srv := flag.String("serve", "", "serve the DRA service on SOCK")
	ld := flag.String("load", "", "load SOCK")
	host := flag.String("hostile", "", "hold hostile connections to SOCK")
	n := flag.Int("n", 5000, "calls")
	c := flag.Int("c", 1, "concurrent streams")
	warm := flag.Int("warm", 500, "warm-up calls (not counted)")
	claims := flag.Int("claims", 1024, "claims in the server's table / used by the client")
	stalled := flag.Int("stalled", 8, "stalled connections")
	flood := flag.Bool("flood", true, "hostile: also one connection that sends requests and never reads")
	exitAfter := flag.Int("exit-after", 0, "serve: exit after answering this many prepare calls")
	flag.Parse()
	switch {
	case *srv != "":
		serve(*srv, *claims, *exitAfter)
	case *ld != "":
		load(*ld, *n, *c, *warm, *claims)
	case *host != "":
		hostile(*host, *stalled, *flood)
	default:
		flag.Usage()
		os.Exit(2)
	}
}
