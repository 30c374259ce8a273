package actorio_test

import (
	"fmt"
	"os"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
)

// Node's DEBUG=engine*,socket.io:socket as Actorio levels; or levels set in
// the options, which DEBUG then leaves alone.
func ExampleDebugLevels() {
	levels := actorio.DebugLevels("engine*,socket.io:socket,-engine:polling")
	fmt.Println(levels[actorio.LogEngine], levels[actorio.LogSocket], len(levels))

	srv := actorio.NewServer(&actorio.Options{EngineOptions: actorio.EngineOptions{
		Logger:    zerolog.New(os.Stderr).Level(zerolog.InfoLevel),
		LogLevels: map[string]zerolog.Level{actorio.LogEngine: zerolog.DebugLevel},
	}})
	defer srv.Close()
	// Output: trace trace 2
}
