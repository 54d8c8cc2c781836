// kubecheck validates Kubernetes manifests offline: every YAML document is
// decoded strictly (an unknown or misspelt field, a duplicate key or a value
// of the wrong type is an error) into the typed object of the Kubernetes API
// its apiVersion and kind name, from the k8s.io/api release pinned in go.mod.
// A kind it has no type for is an error, never skipped.
//
// Usage: kubecheck FILE.yaml...   (exit 1 when any document is refused)
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// The kinds gatehouse's manifests use, by apiVersion/kind.
var kinds = map[string]func() any{
	"v1/Namespace":      func() any { return &corev1.Namespace{} },
	"v1/Service":        func() any { return &corev1.Service{} },
	"v1/ServiceAccount": func() any { return &corev1.ServiceAccount{} },
	"v1/ConfigMap":      func() any { return &corev1.ConfigMap{} },
	"v1/Secret":         func() any { return &corev1.Secret{} },
	"apps/v1/Deployment": func() any { return &appsv1.Deployment{} },
	"admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration": func() any {
		return &admissionregistrationv1.ValidatingWebhookConfiguration{}
	},
	"policy/v1/PodDisruptionBudget":              func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler":     func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"networking.k8s.io/v1/NetworkPolicy":         func() any { return &networkingv1.NetworkPolicy{} },
	"rbac.authorization.k8s.io/v1/Role":          func() any { return &rbacv1.Role{} },
	"rbac.authorization.k8s.io/v1/RoleBinding":   func() any { return &rbacv1.RoleBinding{} },
}

type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kubecheck FILE.yaml...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(2)
		}
		for index, doc := range documents(data) {
			name, err := check(doc)
			where := fmt.Sprintf("%s (document %d)", path, index+1)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", where, err)
				failed = true
				continue
			}
			fmt.Printf("%s: %s ok\n", where, name)
		}
	}
	if failed {
		os.Exit(1)
	}
}

// The YAML documents of a file, split at "---" lines; empty ones are dropped.
func documents(data []byte) [][]byte {
	var docs [][]byte
	for _, part := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		trimmed := strings.TrimSpace(stripComments(string(part)))
		if trimmed != "" {
			docs = append(docs, part)
		}
	}
	return docs
}

func stripComments(text string) string {
	var kept []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

func check(doc []byte) (string, error) {
	var head header
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return "", err
	}
	key := head.APIVersion + "/" + head.Kind
	make, ok := kinds[key]
	if !ok {
		return "", fmt.Errorf("no Kubernetes type for apiVersion %q kind %q", head.APIVersion, head.Kind)
	}
	if head.Metadata.Name == "" {
		return "", fmt.Errorf("%s has no metadata.name", key)
	}
	if err := yaml.UnmarshalStrict(doc, make()); err != nil {
		return "", fmt.Errorf("%s %s: %v", key, head.Metadata.Name, err)
	}
	return key + " " + head.Metadata.Name, nil
}
