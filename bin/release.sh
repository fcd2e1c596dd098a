#!/usr/bin/env bash
# release.sh cross-compiles the plug-in for every platform the IBM Cloud CLI runs on, into
# dist/kp-token-<version>-<os>-<arch>[.exe], and writes and checks
# dist/kp-token-<version>-checksums.sha256 (`cd dist && sha256sum -c` verifies it).
#
#   bin/release.sh                 # version from commands/metadata.go
#   VERSION=0.1.0-rc.1 bin/release.sh
set -euo pipefail

platforms=(
	darwin/amd64
	darwin/arm64
	linux/amd64
	linux/arm64
	linux/ppc64le
	linux/s390x
	windows/amd64
)

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The version the plug-in reports to the CLI:
#   var Version = plugin.VersionType{Major: 0, Minor: 1, Build: 0}
source_version() {
	local line field n parts=()
	line=$(grep -E '^var Version = plugin\.VersionType\{' commands/metadata.go) || {
		echo "release: no 'var Version = plugin.VersionType{...}' in commands/metadata.go" >&2
		return 1
	}
	for field in Major Minor Build; do
		n=$(sed -nE "s/.*[{ ,]${field}: *([0-9]+).*/\\1/p" <<<"$line")
		if [[ -z $n ]]; then
			echo "release: no ${field} number in commands/metadata.go: $line" >&2
			return 1
		fi
		parts+=("$n")
	done
	local IFS=.
	echo "${parts[*]}"
}

from_source=$(source_version)
version=${VERSION:-$from_source}
if [[ ! $version =~ ^[0-9A-Za-z][0-9A-Za-z.+-]*$ ]]; then
	echo "release: VERSION '$version' is not a usable version (letters, digits, '.', '+', '-')" >&2
	exit 2
fi
if [[ $version != "$from_source" ]]; then
	# VERSION only names the files: the binaries still report the version in metadata.go.
	echo "release: warning: VERSION=$version, but commands/metadata.go says $from_source" >&2
fi

if command -v sha256sum >/dev/null; then
	sha256=(sha256sum)
else
	sha256=(shasum -a 256) # macOS; same output format
fi

sums=kp-token-${version}-checksums.sha256
mkdir -p dist
rm -f "dist/$sums" # so a run that fails half-way leaves no checksums to trust

files=()
for platform in "${platforms[@]}"; do
	goos=${platform%/*}
	goarch=${platform#*/}
	name=kp-token-${version}-${goos}-${goarch}
	[[ $goos == windows ]] && name+=.exe
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch \
		go build -trimpath -ldflags "-s -w" -o "dist/$name" ./plugin
	files+=("$name")
	echo "dist/$name"
done

(
	cd dist
	"${sha256[@]}" "${files[@]}" >"$sums"
	"${sha256[@]}" -c "$sums" >/dev/null
)
echo "dist/$sums (verified)"
