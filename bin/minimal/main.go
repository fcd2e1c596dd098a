// Command minimal is the yardstick of `make bench`: the least a Go program can do to print the
// session's token, namely read config.json and print one line. kp-token env should stay within
// twice its time.
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
