.PHONY: build install test lint bench release clean stress fuzz

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0

build:
	go build -o kp-token ./plugin

# Installs the plug-in into the IBM Cloud CLI when there is one. The check at the end runs the
# plug-in against your session but prints nothing of the token.
install: build
	@if command -v ibmcloud >/dev/null 2>&1; then \
		ibmcloud plugin install -f ./kp-token && \
		if ibmcloud iam oauth-tokens >/dev/null 2>&1; then \
			./kp-token env --no-bearer >/dev/null && echo "kp-token env works with your session"; \
		else \
			echo "Installed. Log in with 'ibmcloud login', then run: eval \"\$$(ibmcloud kp-token env)\""; \
		fi; \
	else \
		echo "ibmcloud is not on your PATH. The plug-in binary is $(CURDIR)/kp-token"; \
		echo "Install it into the IBM Cloud CLI with:"; \
		echo "  ibmcloud plugin install -f $(CURDIR)/kp-token"; \
		echo "or run it directly, without the CLI:"; \
		echo "  eval \"\$$($(CURDIR)/kp-token env)\""; \
	fi

test:
	go test -count=1 -parallel 8 ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...

bench:
	bin/bench.sh

release:
	bin/release.sh

clean:
	rm -rf kp-token dist/

# The concurrency and fault suite, bigger: 200 shells starting at once, 20 rounds, and the
# SIGKILL rounds. Prints processes, IAM calls, failures and configs that failed to parse.
stress:
	cd plugin && KP_STRESS_PROCS=$${KP_STRESS_PROCS:-200} KP_STRESS_ROUNDS=$${KP_STRESS_ROUNDS:-20} \
		KP_STRESS_KILLS=$${KP_STRESS_KILLS:-200} \
		go test -count=1 -run 'ManyShellsStartingAtOnce|Killed' -timeout 30m

# Fuzz each shell dialect's quoting in turn, FUZZTIME each; real shells are the oracles.
FUZZTIME ?= 10m
fuzz:
	for t in FuzzPOSIX FuzzFish FuzzCsh FuzzPowerShell FuzzCmd; do \
		go test ./commands/shell -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s || exit 1; \
	done
