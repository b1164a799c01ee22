// SPDX-License-Identifier: Apache-2.0

// kubeletgo: a kubelet stand-in on grpc-go (Debian's golang-google-grpc-dev),
// with the peer's own protos (tests/peers/kubelet/proto), independent of our
// lib/ and proto/. Built by build-go.sh.
//
//	kubeletgo -reg REG_SOCK
//	kubeletgo -golden DIR     compare DIR/*.hex (written by kubelet.py) with grpc-go's encoding
//
// Each check prints "ok NAME" or "FAIL NAME: why"; the exit status is 1 when
// any failed.
package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	drav1beta1 "kpeer/drav1beta1pb"
	drav1 "kpeer/drav1pb"
	reg "kpeer/regpb"
)

var failed int

func check(name string, ok bool, why string, args ...interface{}) {
	if ok {
		fmt.Println("ok", name)
	} else {
		fmt.Printf("FAIL %s: %s\n", name, fmt.Sprintf(why, args...))
		failed++
	}
}

// dial connects the way kubelet does for a unix socket (blocking, 10 s).
func dial(path string) *grpc.ClientConn {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, path, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", addr)
		}))
	if err != nil {
		fmt.Printf("FAIL dial %s: %v\n", path, err)
		os.Exit(1)
	}
	return conn
}

func ctxT(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func registration(regPath string) string {
	conn := dial(regPath)
	defer conn.Close()
	c := reg.NewRegistrationClient(conn)
	ctx, cancel := ctxT(time.Second)
	info, err := c.GetInfo(ctx, &reg.InfoRequest{})
	cancel()
	check("getinfo", err == nil, "%v", err)
	if err != nil {
		os.Exit(1)
	}
	check("getinfo type", info.Type == "DRAPlugin", "%q", info.Type)
	check("getinfo name", info.Name == "dra.net", "%q", info.Name)
	st, err := os.Stat(info.Endpoint)
	check("getinfo endpoint", err == nil && st.Mode()&os.ModeSocket != 0 && strings.HasPrefix(info.Endpoint, "/"),
		"%q %v", info.Endpoint, err)
	check("getinfo versions", reflect.DeepEqual(info.SupportedVersions, []string{"v1.DRAPlugin", "v1beta1.DRAPlugin"}),
		"%v", info.SupportedVersions)
	ctx, cancel = ctxT(5 * time.Second)
	_, err = c.NotifyRegistrationStatus(ctx, &reg.RegistrationStatus{PluginRegistered: true})
	cancel()
	check("notify registered", err == nil, "%v", err)
	// Newer kubelets keep a connection and repeat GetInfo: same connection, again.
	for i := 0; i < 3; i++ {
		ctx, cancel = ctxT(10 * time.Second)
		_, err = c.GetInfo(ctx, &reg.InfoRequest{})
		cancel()
		check(fmt.Sprintf("getinfo repeated %d", i), err == nil, "%v", err)
	}
	return info.Endpoint
}

func keys(m interface{}) []string {
	var out []string
	for _, k := range reflect.ValueOf(m).MapKeys() {
		out = append(out, k.String())
	}
	sort.Strings(out)
	return out
}

func draCalls(conn *grpc.ClientConn) {
	ctx, cancel := ctxT(45 * time.Second)
	defer cancel()
	v1 := drav1.NewDRAPluginClient(conn)
	r1, err := v1.NodePrepareResources(ctx, &drav1.NodePrepareResourcesRequest{Claims: []*drav1.Claim{
		{Namespace: "a", Uid: "u1", Name: "c1"}, {Namespace: "b", Uid: "u2", Name: "c2"}}})
	check("v1 prepare", err == nil, "%v", err)
	if err == nil {
		check("v1 prepare every uid", reflect.DeepEqual(keys(r1.Claims), []string{"u1", "u2"}), "%v", keys(r1.Claims))
		ok := true
		for _, r := range r1.Claims {
			ok = ok && r != nil && r.Error != "" && len(r.Devices) == 0
		}
		check("v1 prepare per-claim error", ok, "%v", r1.Claims)
	}
	u1, err := v1.NodeUnprepareResources(ctx, &drav1.NodeUnprepareResourcesRequest{Claims: []*drav1.Claim{
		{Namespace: "a", Uid: "u1", Name: "c1"}}})
	check("v1 unprepare", err == nil && u1.Claims["u1"] != nil && u1.Claims["u1"].Error != "", "%v %v", err, u1)
	vb := drav1beta1.NewDRAPluginClient(conn)
	rb, err := vb.NodePrepareResources(ctx, &drav1beta1.NodePrepareResourcesRequest{Claims: []*drav1beta1.Claim{
		{Namespace: "a", Uid: "u1", Name: "c1"}}})
	check("v1beta1 prepare", err == nil && rb.Claims["u1"] != nil && rb.Claims["u1"].Error != "", "%v %v", err, rb)
	ub, err := vb.NodeUnprepareResources(ctx, &drav1beta1.NodeUnprepareResourcesRequest{Claims: []*drav1beta1.Claim{
		{Namespace: "a", Uid: "u9", Name: "c9"}}})
	check("v1beta1 unprepare", err == nil && ub.Claims["u9"] != nil && ub.Claims["u9"].Error != "", "%v %v", err, ub)
}

func concurrent(draPath string, conns, perConn int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for c := 0; c < conns; c++ {
		conn := dial(draPath)
		defer conn.Close()
		cl := drav1.NewDRAPluginClient(conn)
		for i := 0; i < perConn; i++ {
			wg.Add(1)
			go func(c, i int) {
				defer wg.Done()
				uid := fmt.Sprintf("u-%d-%d", c, i)
				ctx, cancel := ctxT(20 * time.Second)
				defer cancel()
				r, err := cl.NodePrepareResources(ctx, &drav1.NodePrepareResourcesRequest{Claims: []*drav1.Claim{
					{Namespace: "n", Uid: uid, Name: "c"}}})
				if err != nil || len(r.Claims) != 1 || r.Claims[uid] == nil {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("%s: %v", uid, err))
					mu.Unlock()
				}
			}(c, i)
		}
	}
	wg.Wait()
	check(fmt.Sprintf("%d concurrent calls on %d connections", conns*perConn, conns), len(bad) == 0, "%v", bad)
}

func protoSize(m proto.Message) int { return proto.Size(m) }

func large(conn *grpc.ClientConn) {
	cl := drav1.NewDRAPluginClient(conn)
	const limit = 4 << 20
	req := &drav1.NodePrepareResourcesRequest{Claims: []*drav1.Claim{{Namespace: "n", Uid: "big"}}}
	// Fill the name so the message is exactly 4 MiB.
	for n := limit - 64; ; n++ {
		req.Claims[0].Name = strings.Repeat("y", n)
		if sz := protoSize(req); sz >= limit {
			break
		}
	}
	check("request is exactly 4 MiB", protoSize(req) == limit, "%d", protoSize(req))
	ctx, cancel := ctxT(20 * time.Second)
	defer cancel()
	r, err := cl.NodePrepareResources(ctx, req)
	check("4 MiB request answered", err == nil && r.Claims["big"] != nil, "%v", err)
	req.Claims[0].Name += "y"
	_, err = cl.NodePrepareResources(ctx, req)
	check("4 MiB + 1 is RESOURCE_EXHAUSTED", status.Code(err) == codes.ResourceExhausted, "%v", err)
	// Several large calls at once (flow control, BDP pings, window updates).
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rq := &drav1.NodePrepareResourcesRequest{Claims: []*drav1.Claim{{Namespace: "n", Uid: fmt.Sprint(i),
				Name: strings.Repeat("z", 3<<20)}}}
			_, errs[i] = cl.NodePrepareResources(ctx, rq)
		}(i)
	}
	wg.Wait()
	check("6 concurrent 3 MiB requests", reflect.DeepEqual(errs, make([]error, 6)), "%v", errs)
}

func unknown(regPath, draPath string) {
	for _, p := range [][2]string{
		{regPath, "/pluginregistration.Registration/Nope"},
		{draPath, "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodeFrobnicate"},
		{draPath, "/v1alpha1.DRAResourceHealth/NodeWatchResources"},
	} {
		conn := dial(p[0])
		ctx, cancel := ctxT(5 * time.Second)
		err := conn.Invoke(ctx, p[1], &reg.InfoRequest{}, &reg.InfoRequest{})
		cancel()
		conn.Close()
		check("unknown "+p[1]+" is UNIMPLEMENTED", status.Code(err) == codes.Unimplemented, "%v", err)
	}
}

// A client-streaming call on the unary path: headers go out, the message never does.
func deadlineAndCancel(conn *grpc.ClientConn) {
	desc := &grpc.StreamDesc{ClientStreams: true}
	m := "/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources"
	ctx, cancel := ctxT(150 * time.Millisecond)
	st, err := conn.NewStream(ctx, desc, m)
	if err == nil {
		err = st.RecvMsg(&drav1.NodePrepareResourcesResponse{})
	}
	cancel()
	check("deadline expires", status.Code(err) == codes.DeadlineExceeded, "%v", err)
	ctx, cancel = context.WithCancel(context.Background())
	st, err = conn.NewStream(ctx, desc, m)
	check("stream for cancel", err == nil, "%v", err)
	time.Sleep(100 * time.Millisecond)
	cancel()
	if st != nil {
		err = st.RecvMsg(&drav1.NodePrepareResourcesResponse{})
		check("client cancels", status.Code(err) == codes.Canceled, "%v", err)
	}
	ctx2, cancel2 := ctxT(5 * time.Second)
	defer cancel2()
	_, err = drav1.NewDRAPluginClient(conn).NodePrepareResources(ctx2, &drav1.NodePrepareResourcesRequest{})
	check("serving after deadline and cancel", err == nil, "%v", err)
}

func misbehaving(draPath string) {
	var socks []net.Conn
	for _, p := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00", ""} {
		s, err := net.Dial("unix", draPath)
		if err != nil {
			check("raw dial", false, "%v", err)
			return
		}
		s.Write([]byte(p))
		socks = append(socks, s)
	}
	conn := dial(draPath)
	defer conn.Close()
	ctx, cancel := ctxT(5 * time.Second)
	defer cancel()
	_, err := drav1.NewDRAPluginClient(conn).NodePrepareResources(ctx, &drav1.NodePrepareResourcesRequest{})
	check("served next to misbehaving clients", err == nil, "%v", err)
	for _, s := range socks {
		s.Close()
	}
	// Idle, then used again: we never close idle connections.
	time.Sleep(1500 * time.Millisecond)
	_, err = drav1.NewDRAPluginClient(conn).NodePrepareResources(ctx, &drav1.NodePrepareResourcesRequest{})
	check("idle connection still served", err == nil, "%v", err)
}

// golden: the same messages as kubelet.py's golden_messages(), encoded by
// google.golang.org/protobuf (deterministic: map keys sorted).
func golden(dir string) {
	msgs := map[string]proto.Message{
		"plugininfo": &reg.PluginInfo{Type: "DRAPlugin", Name: "dra.net",
			Endpoint:          "/var/lib/kubelet/plugins/dra.net/dra.sock",
			SupportedVersions: []string{"v1.DRAPlugin", "v1beta1.DRAPlugin"}},
		"registrationstatus": &reg.RegistrationStatus{PluginRegistered: true, Error: "e"},
		"prepare_request_v1": &drav1.NodePrepareResourcesRequest{Claims: []*drav1.Claim{
			{Namespace: "default", Uid: "0a1b-uid", Name: "claim-a"},
			{Namespace: "kube-system", Uid: "2c3d-uid", Name: "claim-b"}}},
		"prepare_response_v1": &drav1.NodePrepareResourcesResponse{Claims: map[string]*drav1.NodePrepareResourceResponse{
			"0a1b-uid": {Devices: []*drav1.Device{{RequestNames: []string{"nic"}, PoolName: "node-1",
				DeviceName: "pci-0000-00-03-0", CdiDeviceIds: []string{"dra.net/nic=eth1"}}}},
			"2c3d-uid": {Error: "no such device"}}},
		"unprepare_request_v1": &drav1.NodeUnprepareResourcesRequest{Claims: []*drav1.Claim{
			{Namespace: "default", Uid: "0a1b-uid", Name: "claim-a"}}},
		"unprepare_response_v1": &drav1.NodeUnprepareResourcesResponse{Claims: map[string]*drav1.NodeUnprepareResourceResponse{
			"0a1b-uid": {}, "2c3d-uid": {Error: "busy"}}},
		"prepare_request_v1beta1": &drav1beta1.NodePrepareResourcesRequest{Claims: []*drav1beta1.Claim{
			{Namespace: "default", Uid: "0a1b-uid", Name: "claim-a"},
			{Namespace: "kube-system", Uid: "2c3d-uid", Name: "claim-b"}}},
		"unprepare_response_v1beta1": &drav1beta1.NodeUnprepareResourcesResponse{Claims: map[string]*drav1beta1.NodeUnprepareResourceResponse{
			"0a1b-uid": {}, "2c3d-uid": {Error: "busy"}}},
	}
	for name, m := range msgs {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		raw, rerr := os.ReadFile(filepath.Join(dir, name+".hex"))
		want, herr := hex.DecodeString(strings.TrimSpace(string(raw)))
		got := hex.EncodeToString(b)
		check("golden "+name, err == nil && rerr == nil && herr == nil && got == hex.EncodeToString(want),
			"%v %v %v: %s != %s", err, rerr, herr, got, hex.EncodeToString(want))
	}
}

func main() {
	regPath := flag.String("reg", "", "registration socket")
	goldenDir := flag.String("golden", "", "check the golden hex files in DIR")
	flag.Parse()
	if *goldenDir != "" {
		golden(*goldenDir)
		fmt.Printf("kubeletgo: %d failed\n", failed)
		if failed > 0 {
			os.Exit(1)
		}
		return
	}
	draPath := registration(*regPath)
	conn := dial(draPath)
	draCalls(conn)
	concurrent(draPath, 4, 250)
	large(conn)
	unknown(*regPath, draPath)
	deadlineAndCancel(conn)
	misbehaving(draPath)
	conn.Close()
	fmt.Printf("kubeletgo: %d failed\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}
