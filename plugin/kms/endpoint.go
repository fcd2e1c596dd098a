package kms

import (
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/endpoints"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
)

// Network is the network an instance's endpoint is on.
type Network int

// The networks to choose from.
const (
	Auto    Network = iota // private when the CLI uses private endpoints, else public
	Public                 // --public
	Private                // --private
)

// Choice says which endpoint of an instance to use.
type Choice struct {
	Network    Network
	CLIPrivate bool   // the CLI uses private endpoints (Cloud.Private): what Auto follows
	URL        string // --url: used as given (an http or https URL); Network is then ignored
}

func (c Choice) private() bool {
	switch c.Network {
	case Public:
		return false
	case Private:
		return true
	}
	return c.CLIPrivate
}

// Endpoint is the URL Key Protect requests for the instance go to, without a trailing slash:
// c.URL when given; else the instance's published endpoint on the chosen network; else, for a
// Key Protect instance on IBM Cloud, its regional endpoint (https://<region>.kms.cloud.ibm.com,
// or https://private.<region>.kms.cloud.ibm.com). No network call.
func (i Instance) Endpoint(c Choice) (string, error) {
	if c.URL != "" {
		u, ok := checkURL(c.URL)
		if !ok {
			return "", &Error{Kind: BadURL, URL: c.URL}
		}
		return u, nil
	}
	private := c.private()
	if private && i.Endpoints.Private != "" {
		return i.Endpoints.Private, nil
	}
	if !private && i.Endpoints.Public != "" {
		return i.Endpoints.Public, nil
	}
	cr, ok := parseCRN(i.CRN)
	if ok && i.Service == KeyProtect && cr.service == KeyProtect && cr.cname == "bluemix" && cr.ctype == "public" && validRegion(i.Region) {
		if private {
			return "https://private." + i.Region + ".kms.cloud.ibm.com", nil
		}
		return "https://" + i.Region + ".kms.cloud.ibm.com", nil
	}
	return "", &Error{Kind: NoEndpoint, Instance: i, Private: private}
}

// Cloud is what the CLI's configuration says of where it works: what the Resource Controller's
// endpoint depends on. The zero Cloud is IBM Cloud's public network.
type Cloud struct {
	Name    string // CloudName: "bluemix" (IBM Cloud) or "staging"; "" is "bluemix"
	Type    string // CloudType: "public"; "" is "public"
	Region  string // the targeted region: the private (CSE) endpoint needs it
	Private bool   // the CLI uses private endpoints
	VPC     bool   // ... from a VPC
}

// CloudConfig is the part of the CLI's configuration CloudOf reads: the SDK's
// core_config.Repository and plugin.PluginContext both provide it.
type CloudConfig interface {
	CloudName() string
	CloudType() string
	CurrentRegion() models.Region
	IsPrivateEndpointEnabled() bool
	IsAccessFromVPC() bool
}

// CloudOf reads the Cloud from the CLI's configuration; nil gives the zero Cloud.
func CloudOf(cfg CloudConfig) Cloud {
	if cfg == nil {
		return Cloud{}
	}
	return Cloud{
		Name:    cfg.CloudName(),
		Type:    cfg.CloudType(),
		Region:  cfg.CurrentRegion().Name,
		Private: cfg.IsPrivateEndpointEnabled(),
		VPC:     cfg.IsAccessFromVPC(),
	}
}

// EnvRCEndpoint names the variable that overrides the Resource Controller's endpoint (the name
// Terraform's IBM provider reads).
const EnvRCEndpoint = "IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT"

// ResourceControllerEndpoint is where instances are looked up: getenv(EnvRCEndpoint) when set
// (an http or https URL), else the SDK's endpoint of the Resource Controller for the cloud:
// https://resource-controller.cloud.ibm.com, https://private.<region>.resource-controller.cloud.ibm.com
// when the CLI uses private endpoints, https://private.resource-controller.cloud.ibm.com from a
// VPC (test.cloud.ibm.com for the staging cloud). A private endpoint is never traded for the
// public one: without a targeted region it is an *Error of Kind NoRCEndpoint.
func ResourceControllerEndpoint(c Cloud, getenv func(string) string) (string, error) {
	if getenv != nil {
		if v := getenv(EnvRCEndpoint); v != "" {
			u, ok := checkURL(v)
			if !ok {
				return "", &Error{Kind: BadURL, URL: v, Setting: EnvRCEndpoint}
			}
			return u, nil
		}
	}
	var domain string
	switch c.Name {
	case "", "bluemix":
		domain = "cloud.ibm.com"
	case "staging":
		domain = "test.cloud.ibm.com"
	}
	if domain == "" || (c.Type != "" && c.Type != "public") {
		return "", &Error{Kind: NoRCEndpoint, Cloud: c}
	}
	region := ""
	if c.Private && !c.VPC {
		if !validRegion(c.Region) {
			return "", &Error{Kind: NoRCEndpoint, Cloud: c}
		}
		region = c.Region
	}
	e, err := endpoints.Endpoint(endpoints.ResourceController, domain, region, c.Private, c.VPC)
	if err != nil {
		return "", &Error{Kind: NoRCEndpoint, Cloud: c, Err: err}
	}
	return e, nil
}
