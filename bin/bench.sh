#!/usr/bin/env bash
# bench.sh measures `kp-token env` against two yardsticks, both built from bin/floor, the least a
# Go program can do to print the session's token (read config.json, print one line):
#
#   minimal   bin/floor as it is
#   sdkfloor  bin/floor built with -tags sdkfloor, which makes it a plug-in of the IBM Cloud
#             SDK (it answers SendMetadata through plugin.Start). Any plug-in's binary links what
#             that reaches and pays for its initialisation (and the Go runtime's start-up over a
#             binary of that size) before main runs, so sdkfloor is the floor under any plug-in,
#             kp-token env included.
#
# The budget is judged on env / sdkfloor in instructions, counted by callgrind (valgrind): the
# part of the work that is kp-token's own. Instruction counts swing far less than wall time,
# which drifts with the machine's load and from day to day. It must stay within 1.05 for three runs: env in en_US, which reads no
# translation; env-ja_JP, the same under LANG=ja_JP.UTF-8, which parses one locale's file; and
# env-instance, env --instance on a warm instance cache. (The SDK's own start-up loads its en_US
# bundle whatever the locale, so sdkfloor is the floor under all of them.) Each program is counted
# five times and the least count is taken: what varies from run to run (by up to about 2%) is
# extra work of the Go runtime's whose amount depends on timing (growing the heap's page
# summaries, copying stacks, scheduling), never less work, so the least count is the program's
# own, for the floor and for env alike. Under callgrind the programs run with
# GODEBUG=asyncpreemptoff=1: the runtime's preemption signals can crash callgrind, and they are
# no work of the program's.
#
# Wall time is measured too, for information: 300 runs of each by bin/benchrun, which runs the
# commands in turn, round by round, after 20 warm-up runs of each, and prints medians, means and
# ratios (env / sdkfloor among them). On a shared or virtual machine wall time drifts by a few
# per cent from one run to the next, and by far more from one day to the next.
#
# All of them run against a throwaway session whose token is valid for an hour, so kp-token must
# answer from config.json alone: IAM_ENDPOINT points at a closed port, so a network call fails.
#
#   bin/bench.sh                  # 300 timed runs of each, and the counts
#   BENCH_RUNS=50 bin/bench.sh
#
# The result is a figure, not a test: it exits 0 whether or not a ratio is within budget, and
# non-zero only when the set-up fails, valgrind is missing, or a program fails or misbehaves.
set -euo pipefail

runs=${BENCH_RUNS:-300}
warmup=20
budget=1.05

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
# token's account, from the Resource Controller at $rc, as each entry records), so this run makes
# no network call; the Resource Controller is a closed port, so a call would fail loudly.
guid=0a1b2c3d-0000-4000-8000-00000000be01
instances=$home/.bluemix/plugins/kp-token/instances
mkdir -p "$instances"
chmod 700 "$home/.bluemix/plugins" "$home/.bluemix/plugins/kp-token" "$instances"
crn="crn:v1:bluemix:public:kms:us-south:a/0123456789abcdef0123456789abcdef:$guid::"
rc=http://127.0.0.1:9
printf '{"entries":[\n{"key":"name:bench-kp","rc":"%s","at":%d,"instance":{"name":"bench-kp","guid":"%s","crn":"%s","service":"kms","region":"us-south","resource_group_id":"rg","endpoints":{}}}\n]}\n' \
	"$rc" "$now" "$guid" "$crn" >"$instances/0123456789abcdef0123456789abcdef.json"
chmod 600 "$instances/0123456789abcdef0123456789abcdef.json"
export IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT=$rc
if ! got=$("$tmp/kp-token" env --instance bench-kp) ||
	[[ $got != "$want"$'\n'"export KP_INSTANCE_ID='$guid'"$'\n'"export KP_URL='https://us-south.kms.cloud.ibm.com'" ]]; then
	echo "bench: kp-token env --instance failed on a warm cache, or printed other lines: $got" >&2
	exit 1
fi

# Wall time, for information (benchrun's verdict lines are on wall time, against a looser 1.10).
"$tmp/benchrun" -runs "$runs" -warmup "$warmup" -budget 1.10 -judge env-ja_JP -judge env-instance \
	env "$tmp/kp-token" env -- sdkfloor "$tmp/sdkfloor" -- \
	env-ja_JP LANG=ja_JP.UTF-8 "$tmp/kp-token" env -- \
	env-instance "$tmp/kp-token" env --instance bench-kp -- minimal "$tmp/minimal"

# The verdict: instructions, counted by callgrind, the least of five counts of each.
if ! command -v valgrind >/dev/null 2>&1; then
	echo "bench: valgrind is not installed (apt-get install valgrind): no instruction counts, no verdict" >&2
	exit 1
fi
count1() { # VAR=value... PROG ARG...: instructions of one run
	env GODEBUG=asyncpreemptoff=1 "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
count() { # the least of five counts
	local n counts=()
	for _ in 1 2 3 4 5; do
		n=$(count1 "$@")
		if [[ -z $n ]]; then
			echo "bench: callgrind gave no count for: $*" >&2
			exit 1
		fi
		counts+=("$n")
	done
	printf '%s\n' "${counts[@]}" | sort -n | sed -n 1p
}
vg=(valgrind --tool=callgrind --callgrind-out-file=/dev/null)
floor_n=$(count "${vg[@]}" "$tmp/sdkfloor")
verdict() { # LABEL COUNT
	awk -v l="$1" -v n="$2" -v f="$floor_n" -v b="$budget" 'BEGIN {
		r = sprintf("%.3f", n / f)
		printf "%s / sdkfloor = %s in instructions (%d / %d), budget %.2f: %s\n", l, r, n, f, b, (r + 0 <= b ? "within budget" : "over budget")
	}'
}
verdict env "$(count "${vg[@]}" "$tmp/kp-token" env)"
verdict env-ja_JP "$(count LANG=ja_JP.UTF-8 "${vg[@]}" "$tmp/kp-token" env)"
verdict env-instance "$(count "${vg[@]}" "$tmp/kp-token" env --instance bench-kp)"
