# lib.sh holds what the setup scripts share. Each sets `tag` (the name its
# messages start with) and sources this file; it is not run on its own.
#
#   tag=setup-foo; source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

say() { printf '%s: %s\n' "$tag" "$*"; }
die() { printf '%s: error: %s\n' "$tag" "$*" >&2; exit 1; }

# as_root runs a command as root: directly when we are root, else with sudo.
as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

# apt_install installs the given Debian packages (none: nothing to do) after
# one apt-get update, waiting for another apt to let go of its lock.
apt_install() {
	(($#)) || return 0
	command -v apt-get >/dev/null 2>&1 || die "missing $* and no apt-get to install them"
	say "installing $*"
	as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y -qq --no-install-recommends "$@" >/dev/null
}
