package ratelimit

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Refusal says why Table.Admit refused an admission.
type Refusal int

const (
	Admitted       Refusal = iota
	RateExceeded           // the key's bucket is empty
	PerKeyExceeded         // the key has PerKey admissions open
	TableFull              // every tracked key holds an open admission
)

// Limits configure a Table.
type Limits struct {
	Rate    Rate // new admissions per key; off: none
	PerKey  int  // open admissions per key; 0: no limit
	MaxKeys int  // keys tracked at most; at least one per shard
}

// shardCount splits the table so that handshakes on different cores rarely
// meet on one lock.
const shardCount = 16

// Table is the per-key state of the connection limits, bounded: it holds
// at most MaxKeys keys. A key with nothing open whose bucket is full again
// carries no state and is dropped as the table is used; when the table is
// full, the key with nothing open used least recently is dropped (its
// bucket refills early: a weaker limit for it, never more memory); when
// every key holds an open admission, a new key is refused (TableFull), so
// MaxKeys must exceed the addresses expected to hold connections at once.
//
// Why a sharded table with locks and not an actor: Admit runs on every
// handshake's HTTP goroutine before anything is created for it, and is
// what a flood of handshakes hits; a lock held for a map lookup (~100 ns)
// costs far less than an actor round trip (~6 µs measured) and does not
// funnel every handshake through one mailbox.
type Table struct {
	lim      Limits
	perShard int
	seed     maphash.Seed
	shards   [shardCount]shard
}

type shard struct {
	mu   sync.Mutex
	m    map[netip.Addr]*entry
	idle entry // sentinel of the list of entries with nothing open, most recently used first
}

type entry struct {
	key        netip.Addr
	bucket     Bucket
	open       int
	prev, next *entry // in the idle list while open == 0
}

// NewTable returns an empty table.
func NewTable(lim Limits) *Table {
	t := &Table{lim: lim, perShard: max(1, (lim.MaxKeys+shardCount-1)/shardCount), seed: maphash.MakeSeed()}
	for i := range t.shards {
		sh := &t.shards[i]
		sh.m = map[netip.Addr]*entry{}
		sh.idle.prev, sh.idle.next = &sh.idle, &sh.idle
	}
	return t
}

// Ticket is one admission, held until Release.
type Ticket struct {
	t        *Table
	e        *entry
	released atomic.Bool
}

// Admit takes one admission for key at now. Refused, it says why, and for
// RateExceeded how long until the key's next token.
func (t *Table) Admit(key netip.Addr, now time.Time) (*Ticket, Refusal, time.Duration) {
	sh := &t.shards[maphash.Comparable(t.seed, key)%shardCount]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.expire(t.lim.Rate, now, 2) // amortized: the table shrinks as it is used
	e := sh.m[key]
	if e == nil {
		if len(sh.m) >= t.perShard {
			sh.expire(t.lim.Rate, now, len(sh.m))
		}
		if len(sh.m) >= t.perShard {
			victim := sh.idle.prev // least recently used with nothing open
			if victim == &sh.idle {
				return nil, TableFull, 0
			}
			sh.drop(victim)
		}
		e = &entry{key: key}
		sh.m[key] = e
		sh.pushFront(e)
	} else if e.open == 0 {
		sh.unlink(e)
		sh.pushFront(e)
	}
	if t.lim.Rate.On() {
		if ok, retry := e.bucket.Take(t.lim.Rate, now); !ok {
			return nil, RateExceeded, retry
		}
	}
	if t.lim.PerKey > 0 && e.open >= t.lim.PerKey {
		return nil, PerKeyExceeded, 0
	}
	e.open++
	if e.open == 1 {
		sh.unlink(e) // pinned while open: its count must survive
	}
	return &Ticket{t: t, e: e}, Admitted, 0
}

// Release ends the admission; calls after the first do nothing.
func (k *Ticket) Release() {
	if k == nil || !k.released.CompareAndSwap(false, true) {
		return
	}
	sh := &k.t.shards[maphash.Comparable(k.t.seed, k.e.key)%shardCount]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	k.e.open--
	if k.e.open > 0 {
		return
	}
	if !k.t.lim.Rate.On() {
		delete(sh.m, k.e.key) // nothing else to remember
		return
	}
	sh.pushFront(k.e)
}

// Len is how many keys the table tracks.
func (t *Table) Len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// expire drops up to n entries with nothing open whose bucket is full,
// least recently used first, stopping at the first that is not.
func (sh *shard) expire(r Rate, now time.Time, n int) {
	for ; n > 0; n-- {
		e := sh.idle.prev
		if e == &sh.idle || r.On() && !e.bucket.full(r, now) {
			return
		}
		sh.drop(e)
	}
}

func (sh *shard) drop(e *entry) {
	sh.unlink(e)
	delete(sh.m, e.key)
}

func (sh *shard) pushFront(e *entry) {
	e.prev, e.next = &sh.idle, sh.idle.next
	sh.idle.next.prev = e
	sh.idle.next = e
}

func (sh *shard) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}
