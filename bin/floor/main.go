// Command floor is the yardstick of `make bench`, built two ways from this one source so that
// the two programs cannot drift apart:
//
//	go build -o minimal ./bin/floor                  # the least a Go program can do to print
//	                                                 # the session's token: read config.json,
//	                                                 # print one line
//	go build -tags sdkfloor -o sdkfloor ./bin/floor  # the same, as a plug-in of the IBM Cloud
//	                                                 # CLI SDK: what plugin.Start links, and its
//	                                                 # initialisation (see sdk.go)
//
// sdkfloor is the floor under kp-token env, the least any plug-in can cost, so the budget is
// judged on kp-token env / sdkfloor; sdkfloor / minimal is the SDK's share, which kp-token
// cannot reduce.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	home := os.Getenv("IBMCLOUD_HOME")
	if home == "" {
		home = os.Getenv("HOME")
	}
	data, err := os.ReadFile(filepath.Join(home, ".bluemix", "config.json"))
	if err != nil {
		os.Exit(1)
	}
	var cfg struct{ IAMToken string }
	if err := json.Unmarshal(data, &cfg); err != nil {
		os.Exit(1)
	}
	fmt.Printf("export ACCESS_TOKEN='%s'\n", cfg.IAMToken)
}
