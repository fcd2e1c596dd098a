// Command sdkfloor is the floor of `make bench`: bin/minimal plus a blank import of the IBM Cloud
// CLI SDK's plugin package. Any binary that calls plugin.Start must link that package, and so
// pays for the initialisation of it and its dependencies (the SDK's i18n package parses its
// translation bundle, Masterminds/semver and go-playground/validator compile regular
// expressions, and so on) before main runs. sdkfloor does exactly what bin/minimal does (read
// config.json, print one line) and pays that cost and nothing else, so the gap between it and
// bin/minimal is the SDK's, and the gap between kp-token env and it is kp-token's own.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin" // for its package initialisation only
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
