#!/usr/bin/env bash
# release.sh cross-compiles the plug-in for every platform the IBM Cloud CLI runs on, into
# dist/kp-token-<version>-<os>-<arch>[.exe], and writes and checks
# dist/kp-token-<version>-checksums.sha256 (`cd dist && sha256sum -c` verifies it). It also
# writes a plug-in repository, dist/repo/ (bx/list and the binaries: bin/repo), that any static
# file server can serve for `ibmcloud plugin repo-add NAME URL`.
#
#   bin/release.sh                 # version as `kp-token SendMetadata` reports it
#   VERSION=0.1.0-rc.1 bin/release.sh
#   REPO_URL=https://example.com/kp bin/release.sh    # where dist/repo will be served: the binaries'
#                                                     # URLs in bx/list (without it, relative paths)
#   HOMEPAGE=… REPO_CREATED=2026-12-01T00:00:00Z SOURCE_DATE_EPOCH=… bin/release.sh
#                                  # bx/list's homepage (default: the module's GitHub page), the
#                                  # plug-in's first release and this release's time (default: now)
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

# The version is the one the plug-in reports to the CLI, read from a binary built for this host
# rather than grepped from the Go source: that is where `ibmcloud plugin install` reads it, so
# the files are named after the version they install as, wherever in the source it is set.
# It is built as the release binaries are, for the host (which need not be in the list). The
# JSON is parsed by bin/metaversion: jq need not be installed.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kp-token-release.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/kp-token" ./plugin
go build -o "$tmp/metaversion" ./bin/metaversion
# IBMCLOUD_HOME on an empty directory: SendMetadata should read no configuration, and if it ever
# did, it must not touch the user's.
if ! metadata=$(IBMCLOUD_HOME=$tmp "$tmp/kp-token" SendMetadata); then
	echo "release: kp-token SendMetadata failed" >&2
	exit 1
fi
from_binary=$("$tmp/metaversion" <<<"$metadata") || {
	echo "release: no version in the metadata kp-token SendMetadata printed" >&2
	exit 1
}

version=${VERSION:-$from_binary}
if [[ ! $version =~ ^[0-9A-Za-z][0-9A-Za-z.+-]*$ ]]; then
	echo "release: VERSION '$version' is not a usable version (letters, digits, '.', '+', '-')" >&2
	exit 2
fi
if [[ $version != "$from_binary" ]]; then
	# VERSION only names the files: the binaries still report the version they were built with.
	echo "release: warning: VERSION=$version, but the plug-in reports $from_binary" >&2
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
targets=() # GOOS/GOARCH=FILE, for bin/repo
for platform in "${platforms[@]}"; do
	goos=${platform%/*}
	goarch=${platform#*/}
	name=kp-token-${version}-${goos}-${goarch}
	[[ $goos == windows ]] && name+=.exe
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch \
		go build -trimpath -ldflags "-s -w" -o "dist/$name" ./plugin
	files+=("$name")
	targets+=("$platform=$name")
	echo "dist/$name"
done

(
	cd dist
	"${sha256[@]}" "${files[@]}" >"$sums"
	"${sha256[@]}" -c "$sums" >/dev/null
)
echo "dist/$sums (verified)"

# The plug-in repository. Its version and min_cli_version are the metadata's, whatever VERSION
# names the files: the CLI compares them with what the installed binary reports.
homepage=${HOMEPAGE:-}
if [[ -z $homepage ]]; then
	module=$(go list -m)
	if [[ $module == github.com/* ]]; then
		homepage=https://$module
	fi
fi
repo_args=(-dist dist -out dist/repo -url "${REPO_URL:-}" -homepage "$homepage")
if [[ -n ${REPO_CREATED:-} ]]; then
	repo_args+=(-created "$REPO_CREATED")
fi
go build -o "$tmp/repo" ./bin/repo
"$tmp/repo" "${repo_args[@]}" "${targets[@]}" <<<"$metadata"
