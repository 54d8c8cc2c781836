// Command registry is the OCI registry gatehouse's tests run on 127.0.0.1:
// go-containerregistry's pkg/registry with the OCI 1.1 referrers API on (or
// off, to stand for a registry without it), blobs on disk (so a test can
// rewrite one as someone with the registry's disk could), and optionally
// basic or token (Bearer challenge) auth for one account.
package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	referrers := flag.Bool("referrers", true, "serve the OCI 1.1 referrers API")
	blobs := flag.String("blobs", "", "directory for blobs (default: in memory)")
	auth := flag.String("auth", "", "none, basic or token")
	account := flag.String("account", "", "user:password the registry accepts (with -auth)")
	flag.Parse()

	options := []registry.Option{registry.WithReferrersSupport(*referrers), registry.Logger(log.New(os.Stderr, "", log.LstdFlags))}
	if *blobs != "" {
		options = append(options, registry.WithBlobHandler(registry.NewDiskBlobHandler(*blobs)))
	}
	var handler http.Handler = registry.New(options...)
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + listener.Addr().String()
	switch *auth {
	case "", "none":
	case "basic":
		handler = basicAuth(handler, *account)
	case "token":
		handler = tokenAuth(handler, *account, base)
	default:
		log.Fatalf("-auth: none, basic or token, got %q", *auth)
	}
	// The tests read the address from this line.
	fmt.Printf("listening on %s\n", base)
	log.Fatal(http.Serve(listener, handler))
}

func accepted(r *http.Request, account string) bool {
	user, password, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(user+":"+password), []byte(account)) == 1
}

func basicAuth(next http.Handler, account string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !accepted(r, account) {
			w.Header().Set("WWW-Authenticate", `Basic realm="gatehouse-test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tokenAuth answers /v2/ requests without a valid token with a Bearer
// challenge naming /token, which hands a token to the account (as Docker
// Hub, GHCR and distribution's token server do).
func tokenAuth(next http.Handler, account, base string) http.Handler {
	var mu sync.Mutex
	tokens := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			if !accepted(r, account) {
				http.Error(w, "bad credentials", http.StatusUnauthorized)
				return
			}
			raw := make([]byte, 16)
			rand.Read(raw)
			token := hex.EncodeToString(raw)
			mu.Lock()
			tokens[token] = true
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"token": token, "expires_in": 300})
			return
		}
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		ok := tokens[token]
		mu.Unlock()
		if !ok {
			scope := ""
			if parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/"), "/"); len(parts) > 2 {
				scope = fmt.Sprintf(`,scope="repository:%s:pull,push"`, strings.Join(parts[:len(parts)-2], "/"))
			}
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="gatehouse-test"%s`, base, scope))
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
