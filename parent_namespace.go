package actorio

import (
	"encoding/json"
	"regexp"
	"slices"
	"sync"
)

// ParentNamespace creates child namespaces on demand: a client asking for a
// namespace that does not exist gets one if a parent matches its name.
// Children run the parent's middleware and connection handlers (before
// their own) and a parent's broadcasts reach every child.
type ParentNamespace struct {
	server *Server
	match  func(name string, auth json.RawMessage) bool

	mu          sync.RWMutex
	middlewares []Middleware
	onConnect   []func(*Socket)
	children    []*Namespace
}

// OfRegexp returns a parent of the namespaces whose names match re.
func (s *Server) OfRegexp(re *regexp.Regexp) *ParentNamespace {
	return s.OfFunc(func(name string, _ json.RawMessage) bool { return re.MatchString(name) })
}

// OfFunc returns a parent of the namespaces match accepts; match sees the
// CONNECT payload too. It runs on the connecting socket's goroutine and may
// block.
func (s *Server) OfFunc(match func(name string, auth json.RawMessage) bool) *ParentNamespace {
	p := &ParentNamespace{server: s, match: match}
	s.mu.Lock()
	s.parents = append(s.parents, p)
	s.mu.Unlock()
	return p
}

// Use adds connect middleware run for every child.
func (p *ParentNamespace) Use(mw Middleware) {
	p.mu.Lock()
	p.middlewares = append(p.middlewares, mw)
	p.mu.Unlock()
}

// OnConnection registers a handler for sockets connecting to any child.
func (p *ParentNamespace) OnConnection(f func(*Socket)) {
	p.mu.Lock()
	p.onConnect = append(p.onConnect, f)
	p.mu.Unlock()
}

// Children returns the child namespaces that exist now.
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.children)
}

// Emit sends an event to every socket of every child.
func (p *ParentNamespace) Emit(event string, args ...any) error {
	for _, n := range p.Children() {
		if err := n.Emit(event, args...); err != nil {
			return err
		}
	}
	return nil
}

// resolve finds the namespace a CONNECT names: an existing one, or a new
// child of the first parent that matches. It runs user code (match), so
// only on the connecting socket's lane.
func (s *Server) resolve(name string, auth json.RawMessage) *Namespace {
	if n := s.lookup(name); n != nil {
		return n
	}
	s.mu.Lock()
	parents := slices.Clone(s.parents)
	s.mu.Unlock()
	for _, p := range parents {
		if !p.match(name, auth) {
			continue
		}
		s.mu.Lock()
		if n, ok := s.namespaces[name]; ok { // created meanwhile
			s.mu.Unlock()
			return n
		}
		n := newNamespace(s, name)
		n.parent = p
		s.namespaces[name] = n
		p.mu.Lock()
		p.children = append(p.children, n)
		p.mu.Unlock()
		hooks := s.onNewNsp // taken with n's registration: each hook sees n once
		attached := s.attached
		s.mu.Unlock()
		if attached { // as Node gives every child its adapter
			s.addToCluster(name)
		}
		// Before the socket that asked for it runs the middleware, so
		// what the callbacks add applies to it too, as in Node.
		for _, f := range hooks {
			f(n)
		}
		return n
	}
	return nil
}

// removeChildIfEmpty drops an empty child namespace, with
// CleanupEmptyChildNamespaces, after its last socket left.
func (s *Server) removeChildIfEmpty(n *Namespace) {
	if n.parent == nil || !s.opts.CleanupEmptyChildNamespaces || n.SocketCount() > 0 {
		return
	}
	s.mu.Lock()
	if s.namespaces[n.name] == n {
		delete(s.namespaces, n.name)
	}
	s.mu.Unlock()
	p := n.parent
	p.mu.Lock()
	p.children = slices.DeleteFunc(p.children, func(c *Namespace) bool { return c == n })
	p.mu.Unlock()
	n.removed.Store(true)
	s.engine.system.Root.Poison(n.pid) // after what is already queued to it
}
