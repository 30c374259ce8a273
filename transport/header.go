package transport

import "strings"

func splitComma(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
