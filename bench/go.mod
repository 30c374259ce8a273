module github.com/actorio/actorio/bench

go 1.26.8

require golang.org/x/sys v0.29.0
