package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// natsNode is one nats-server process of the loopback cluster.
type natsNode struct {
	cmd *exec.Cmd
	url string
}

// freePort returns a loopback TCP port nobody listened on a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startCluster starts an n-node nats-server cluster with JetStream on
// loopback ports, its files under dir, and waits until every node takes
// clients.
func startCluster(ctx context.Context, dir string, n int) ([]*natsNode, error) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		return nil, errors.New("relayload: nats-server not found (run scripts/setup-nats.sh)")
	}
	client, route := make([]int, n), make([]int, n)
	for i := range n {
		if client[i], err = freePort(); err != nil {
			return nil, err
		}
		if route[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", route[i]))
	}
	var nodes []*natsNode
	for i := range n {
		conf := fmt.Sprintf(`server_name: n%d
listen: 127.0.0.1:%d
jetstream { store_dir: %q, max_memory_store: 64MB, max_file_store: 256MB }
cluster { name: warble-load, listen: 127.0.0.1:%d, routes: [%s] }
`, i+1, client[i], filepath.Join(dir, fmt.Sprintf("n%d", i+1)), route[i], strings.Join(routes, ", "))
		cf := filepath.Join(dir, fmt.Sprintf("n%d.conf", i+1))
		if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, bin, "-c", cf)
		logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("n%d.log", i+1)))
		if err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("relayload: start nats-server: %w", err)
		}
		nodes = append(nodes, &natsNode{cmd: cmd, url: fmt.Sprintf("nats://127.0.0.1:%d", client[i])})
	}
	for _, nd := range nodes {
		if err := waitTCP(nd.url[len("nats://"):], 20*time.Second); err != nil {
			stopAll(nodes, nil)
			return nil, fmt.Errorf("relayload: nats node %s: %w", nd.url, err)
		}
	}
	return nodes, nil
}

func waitTCP(addr string, within time.Duration) error {
	end := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(end) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// relayProc is one relay instance: this program re-run with -serve.
type relayProc struct {
	cmd *exec.Cmd
	url string
}

// startRelay runs a relay instance in its own process, on the NATS
// servers in natsURLs (comma-separated; none: in memory).
func startRelay(ctx context.Context, natsURLs string, replicas int, logFile string) (*relayProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), serveEnv+"=1", "WARBLE_LOAD_NATS="+natsURLs, "WARBLE_LOAD_REPLICAS="+strconv.Itoa(replicas))
	logf, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("relayload: relay instance printed no URL (see %s)", logFile)
	}
	return &relayProc{cmd: cmd, url: strings.TrimSpace(line)}, nil
}

// cpu is the CPU time (user and system) the process has used so far.
func cpu(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it are plain.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ is 100 on Linux
}

// rss is the process's resident memory in bytes.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// stopAll ends the processes: a stop signal, then a kill after a while.
func stopAll(nodes []*natsNode, relays []*relayProc) {
	var cmds []*exec.Cmd
	for _, r := range relays {
		cmds = append(cmds, r.cmd)
	}
	for _, n := range nodes {
		cmds = append(cmds, n.cmd)
	}
	for _, c := range cmds {
		if c.ProcessState == nil {
			c.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, c := range cmds {
		if c.ProcessState != nil {
			continue
		}
		done := make(chan struct{})
		go func() { c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			c.Process.Kill()
			<-done
		}
	}
}
