package lan

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// netnsEnv marks a test binary re-executed inside its own network
// namespace.
const netnsEnv = "WARBLE_LAN_NETNS"

// inNetns runs the calling test inside a network namespace of its own,
// whose only interface is a loopback set up for multicast, so that no
// packet the test sends can leave the machine. In the parent it re-executes
// the test binary under unshare -n, reports the child's outcome, and
// returns false: the caller returns at once. In the child it checks that
// the namespace is the private one and returns true.
func inNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == "1" {
		ifaces, err := Interfaces("")
		if err != nil {
			t.Fatal(err)
		}
		if len(ifaces) != 1 || ifaces[0].Name != "lo" {
			t.Fatalf("multicast interfaces %v in the test namespace; want only lo", ifaces)
		}
		return true
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/setup-lan.sh installs it): multicast tests need a private network namespace", tool)
		}
	}
	if out, err := exec.Command("unshare", "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a network namespace (unshare -n: %v: %s); multicast tests never run on the real interfaces", err, strings.TrimSpace(string(out)))
	}
	args := []string{"-n", "--", "sh", "-ec",
		`ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo; exec "$@"`,
		"sh", os.Args[0], "-test.run=^" + t.Name() + "$", "-test.count=1"}
	if testing.Verbose() {
		args = append(args, "-test.v")
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("in a private network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("test in the network namespace failed: %v", err)
	}
	return false
}
