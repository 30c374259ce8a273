module github.com/actorio/actorio

go 1.26.8

require (
	github.com/vmihailenco/msgpack/v5 v5.4.1
	golang.org/x/sys v0.29.0
)

require (
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc // indirect
	github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2 // indirect
	github.com/stretchr/testify v1.8.4 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
)
