#!/usr/bin/env bash
# bench.sh times `kp-token env` against two yardsticks, both built from bin/floor, the least a Go
# program can do to print the session's token (read config.json, print one line):
#
#   minimal   bin/floor as it is
#   sdkfloor  bin/floor built with -tags sdkfloor, which adds a blank import of the IBM Cloud
#             SDK's plugin package. Any binary that calls plugin.Start must link that package
#             and pay for its initialisation (and its dependencies') before main runs, so
#             sdkfloor is the floor under any plug-in, kp-token env included.
#
# The budget is judged on env / sdkfloor, the part of the time that is kp-token's own: it should
# stay within 1.10. env runs in en_US, which reads no translation; env-ja_JP is the same run
# under LANG=ja_JP.UTF-8, which parses one locale's file, and is judged against sdkfloor too.
# (The SDK's own start-up loads its en_US bundle whatever the locale, so sdkfloor is the floor
# under both.) env / minimal and sdkfloor / minimal (the SDK's share, which no plug-in can
# avoid) are printed beside them for information. All of them run against a throwaway
# session whose token is valid for an hour, so kp-token must answer from config.json alone:
# IAM_ENDPOINT points at a closed port, so a network call fails.
#
#   bin/bench.sh                  # 300 timed runs of each
#   BENCH_RUNS=50 bin/bench.sh
#
# The runs are timed by bin/benchrun, which runs the four commands in turn, round by round,
# starting each round with the next one, after 20 warm-up runs of each. It prints the median and
# mean of each, the ratios of their medians, and last the verdict lines, e.g.
#   env-ja_JP / sdkfloor = 1.05 (budget 1.10): within budget
#   env / sdkfloor = 1.04 (budget 1.10): within budget
# The result is a figure, not a test: it exits 0 whether or not the ratio is within budget, and
# non-zero only when the set-up fails or a program fails or misbehaves.
set -euo pipefail

runs=${BENCH_RUNS:-300}
warmup=20
budget=1.10

case $runs in
'' | *[!0-9]* | 0) echo "bench: BENCH_RUNS must be a positive integer, not '$runs'" >&2; exit 2 ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kp-token-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "bench: building kp-token, sdkfloor, minimal and benchrun" >&2
go build -o "$tmp/kp-token" ./plugin
go build -tags sdkfloor -o "$tmp/sdkfloor" ./bin/floor
go build -o "$tmp/minimal" ./bin/floor
go build -o "$tmp/benchrun" ./bin/benchrun

# The two yardsticks differ by a build tag alone, so check that the tag did its work: were it
# misspelt here or in bin/floor/sdk.go, sdkfloor would be minimal again and env / sdkfloor would
# silently measure the SDK's share as kp-token's.
# (go version -m lists the modules a binary was built with, one "dep PATH VERSION" line each.
# Its output is read whole rather than piped to grep -q, which could close the pipe early and,
# under pipefail, fail the pipeline.)
sdk=github.com/IBM-Cloud/ibm-cloud-cli-sdk
links_sdk() {
	local deps kind path _
	deps=$(go version -m "$1")
	while read -r kind path _; do
		[[ $kind == dep && $path == "$sdk" ]] && return 0
	done <<<"$deps"
	return 1
}
if ! links_sdk "$tmp/sdkfloor" || links_sdk "$tmp/minimal"; then
	echo "bench: sdkfloor must link $sdk and minimal must not; check the sdkfloor build tag" >&2
	exit 1
fi

# A JWT is base64url(header).base64url(payload).signature; nothing here checks the signature.
# (base64 | tr -d '\n' rather than base64 -w0, so that BSD base64 on macOS works too.)
b64url() { base64 | tr -d '\n' | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
exp=$((now + 3600))
header=$(printf '{"alg":"RS256","kid":"kp-token-bench"}' | b64url)
payload=$(printf '{"iam_id":"IBMid-bench00000","id":"IBMid-bench00000","realmid":"IBMid","email":"bench@example.com","account":{"bss":"0123456789abcdef0123456789abcdef"},"iat":%d,"exp":%d,"sub":"bench@example.com","sub_type":"Person"}' "$now" "$exp" | b64url)
signature=$(printf 'not-a-real-signature' | b64url)
jwt=$header.$payload.$signature

home=$tmp/home
mkdir -p "$home/.bluemix"
cat >"$home/.bluemix/config.json" <<EOF
{
  "IAMToken": "Bearer $jwt",
  "IAMRefreshToken": "not-a-real-refresh-token",
  "IAMEndpoint": "http://127.0.0.1:9",
  "Region": "us-south"
}
EOF
chmod 600 "$home/.bluemix/config.json"

# All three must read that file and nothing else: no other config directory, no tracing.
unset IBMCLOUD_CONFIG_HOME BLUEMIX_HOME IBMCLOUD_TRACE BLUEMIX_TRACE IBMCLOUD_API_KEY BLUEMIX_API_KEY
export IBMCLOUD_HOME=$home
export IAM_ENDPOINT=http://127.0.0.1:9 # closed: a refresh would fail loudly
# env in en_US whatever the caller's locale; env-ja_JP sets LANG=ja_JP.UTF-8 for itself alone.
unset LC_ALL LC_MESSAGES
export LANG=en_US.UTF-8

if ! got=$("$tmp/kp-token" env); then
	echo "bench: kp-token env failed" >&2
	exit 1
fi
floor=$("$tmp/sdkfloor") || { echo "bench: sdkfloor failed" >&2; exit 1; }
want=$("$tmp/minimal") || { echo "bench: minimal failed" >&2; exit 1; }
if [[ $got != "$want" ]]; then
	echo "bench: kp-token env and minimal print different lines:" >&2
	printf '  kp-token env: %.60s...\n  minimal:      %.60s...\n' "$got" "$want" >&2
	exit 1
fi
if [[ $floor != "$want" ]]; then
	echo "bench: sdkfloor and minimal print different lines:" >&2
	printf '  sdkfloor: %.60s...\n  minimal:  %.60s...\n' "$floor" "$want" >&2
	exit 1
fi
if [[ $want != "export ACCESS_TOKEN='Bearer $jwt'" ]]; then
	echo "bench: the programs print something other than the session's token" >&2
	exit 1
fi
# stdout never changes with the locale: the export line is the same in Japanese.
if ! got=$(LANG=ja_JP.UTF-8 "$tmp/kp-token" env) || [[ $got != "$want" ]]; then
	echo "bench: kp-token env under LANG=ja_JP.UTF-8 failed or printed another line" >&2
	exit 1
fi

# env --instance on a warm cache: what an earlier run learned of the instance "bench-kp" (for the
# token's account), so this run makes no network call; the Resource Controller is a closed port,
# so a call would fail loudly.
guid=0a1b2c3d-0000-4000-8000-00000000be01
instances=$home/.bluemix/plugins/kp-token/instances
mkdir -p "$instances"
chmod 700 "$home/.bluemix/plugins" "$home/.bluemix/plugins/kp-token" "$instances"
crn="crn:v1:bluemix:public:kms:us-south:a/0123456789abcdef0123456789abcdef:$guid::"
printf '{"entries":[\n{"key":"name:bench-kp","at":%d,"instance":{"name":"bench-kp","guid":"%s","crn":"%s","service":"kms","region":"us-south","resource_group_id":"rg","endpoints":{}}}\n]}\n' \
	"$now" "$guid" "$crn" >"$instances/0123456789abcdef0123456789abcdef.json"
chmod 600 "$instances/0123456789abcdef0123456789abcdef.json"
export IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT=http://127.0.0.1:9
if ! got=$("$tmp/kp-token" env --instance bench-kp) ||
	[[ $got != "$want"$'\n'"export KP_INSTANCE_ID='$guid'"$'\n'"export KP_URL='https://us-south.kms.cloud.ibm.com'" ]]; then
	echo "bench: kp-token env --instance failed on a warm cache, or printed other lines: $got" >&2
	exit 1
fi

# The first command, env-ja_JP and env-instance are judged against the second; the rest are for
# information.
"$tmp/benchrun" -runs "$runs" -warmup "$warmup" -budget "$budget" -judge env-ja_JP -judge env-instance \
	env "$tmp/kp-token" env -- sdkfloor "$tmp/sdkfloor" -- \
	env-ja_JP LANG=ja_JP.UTF-8 "$tmp/kp-token" env -- \
	env-instance "$tmp/kp-token" env --instance bench-kp -- minimal "$tmp/minimal"

# Wall time on a shared or virtual machine drifts by a few per cent from one run to the next;
# instructions do not. With valgrind installed, the programs are counted by callgrind too (one
# run each: the count is the same at every run), for a figure beside the budget that does not
# drift. (It leaves out what instructions cannot see: page faults, the kernel.)
if command -v valgrind >/dev/null 2>&1; then
	count() { # VAR=value... PROG ARG...: instructions
		env "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
	}
	vg=(valgrind --tool=callgrind --callgrind-out-file=/dev/null)
	floor_n=$(count "${vg[@]}" "$tmp/sdkfloor")
	ratio() { awk -v l="$1" -v n="$2" -v f="$floor_n" 'BEGIN { printf "%s / sdkfloor = %.3f in instructions (%d / %d)\n", l, n / f, n, f }'; }
	ratio env "$(count "${vg[@]}" "$tmp/kp-token" env)"
	ratio env-ja_JP "$(count LANG=ja_JP.UTF-8 "${vg[@]}" "$tmp/kp-token" env)"
	ratio env-instance "$(count "${vg[@]}" "$tmp/kp-token" env --instance bench-kp)"
fi
