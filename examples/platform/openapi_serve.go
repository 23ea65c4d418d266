package main

import (
	"context"
	_ "embed"
	"net/http"
)

// openAPISpec is the API's OpenAPI 3.1 description, served at /openapi.json
// and checked against the route table by openapi_test.go.
//
//go:embed openapi.json
var openAPISpec []byte

func serveOpenAPI(ctx context.Context, c *call) (int, any, error) {
	return http.StatusOK, rawJSON(openAPISpec), nil
}
