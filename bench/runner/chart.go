package runner

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
)

// The chart is drawn by hand as SVG: no external tool, opens in any browser.

const (
	chartW    = 1000
	labelW    = 260
	ratioW    = 190
	barH      = 11
	rowGap    = 8
	panelGap  = 36
	chartFont = `font-family="Helvetica,Arial,sans-serif"`
)

var serverColor = map[string]string{baseName: "#e07b39", candName: "#2f6db5", floorName: "#8c8c8c"}

func colorOf(name string) string {
	if c, ok := serverColor[name]; ok {
		return c
	}
	return "#777777"
}

type svg struct {
	b strings.Builder
	y float64
}

func (s *svg) f(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func (s *svg) text(x, y float64, size int, anchor, fill, weight, t string) {
	s.f(`<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" fill="%s" font-weight="%s" %s>%s</text>`+"\n",
		x, y, size, anchor, fill, weight, chartFont, html.EscapeString(t))
}

// barRow is one case in a bar panel: a value per server.
type barRow struct {
	label  string
	values map[string]float64
	flag   map[string]string // drawn after the value ("gen!", "loss 12%")
}

type barPanel struct {
	title, unit string
	lower       bool // lower is better
	log         bool // log scale (from logMin)
	logMin      float64
	perRow      bool // each row scaled to its own maximum (mixed units)
	rows        []barRow
}

// Chart draws the report as an SVG a person would rather look at than read
// the table: CPU per message, p99 latency, capacity, and the fanout curves.
func (r *Report) Chart() string {
	names := r.serverOrder()
	var cpu, lat, capRows []barRow
	for _, c := range r.Cases {
		if c.Breaking {
			continue
		}
		row := barRow{label: c.Key, values: map[string]float64{}, flag: map[string]string{}}
		lrow := barRow{label: c.Key, values: map[string]float64{}, flag: map[string]string{}}
		for _, n := range names {
			m := c.Results[n]
			if m == nil || m.Error != "" {
				continue
			}
			row.values[n] = m.CPUPerMsgUS
			lrow.values[n] = m.P99MS
			var flags []string
			if m.GenSaturated {
				flags = append(flags, "gen saturated")
			}
			if m.LossPct >= 1 && c.Scenario != "conns" {
				flags = append(flags, fmt.Sprintf("loss %.0f%%", m.LossPct))
			}
			row.flag[n] = strings.Join(flags, ", ")
			lrow.flag[n] = row.flag[n]
		}
		if len(row.values) == 0 {
			continue
		}
		if c.Scenario == "conns" {
			lrow.label += " (set-up)"
		} else {
			cpu = append(cpu, row)
		}
		lat = append(lat, lrow)
	}
	for _, c := range r.Cases {
		row := barRow{values: map[string]float64{}, flag: map[string]string{}}
		for _, n := range names {
			m := c.Results[n]
			if m == nil || m.Error != "" {
				continue
			}
			switch {
			case c.Breaking:
				row.label = c.Key + " (deliv/s)"
				if m.LowerBound {
					row.flag[n] = "a lower bound"
				}
				row.values[n] = m.Throughput
			case c.Scenario == "conns":
				row.label = c.Key + " (connects/s)"
				row.values[n] = m.Throughput
			case c.Scenario == "echo":
				row.label = c.Key + " (round trips/s)"
				row.values[n] = m.Throughput
			}
		}
		if len(row.values) > 0 {
			capRows = append(capRows, row)
		}
	}
	for _, c := range r.Cases {
		if c.Scenario != "conns" {
			continue
		}
		mem := barRow{label: c.Key + " KiB RSS/conn (lower better)", values: map[string]float64{}}
		cpuc := barRow{label: c.Key + " CPU µs/conn (lower better)", values: map[string]float64{}}
		for _, n := range names {
			if m := c.Results[n]; m != nil && m.Error == "" {
				mem.values[n] = m.RSSPerConnKB
				cpuc.values[n] = m.CPUPerMsgUS
			}
		}
		capRows = append(capRows, mem, cpuc)
	}

	s := &svg{}
	s.y = 34
	s.text(20, s.y, 20, "start", "#222", "bold", "Actorio vs Node.js socket.io "+r.Machine.SocketIO)
	s.y += 20
	s.text(20, s.y, 12, "start", "#555", "normal", fmt.Sprintf("plan %s, %s; %d x %s, %s; %s; node %s; commit %.12s",
		r.Plan, r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Machine.NProc, r.Machine.Model, r.Machine.MemTotal, r.Machine.Go, r.Machine.Node, r.Machine.GitCommit))
	s.y += 16
	s.text(20, s.y, 12, "start", "#555", "normal", r.Machine.PinNote)
	s.y += 22
	x := 20.0
	for _, n := range names {
		s.f(`<rect x="%.1f" y="%.1f" width="14" height="14" fill="%s"/>`+"\n", x, s.y-11, colorOf(n))
		label := n
		if st := r.server(n); !st.Available {
			label += " (not measured)"
		}
		s.text(x+20, s.y, 13, "start", "#222", "normal", label)
		x += 40 + 8*float64(len(label))
	}
	s.y += 18
	s.bars(barPanel{title: "Server CPU per delivered message, µs (lower is better)", unit: "µs", lower: true, rows: cpu}, names)
	s.bars(barPanel{title: "p99 latency from intended send time, ms (lower is better; log scale)", unit: "ms", lower: true, log: true, logMin: 0.1, rows: lat}, names)
	s.bars(barPanel{title: "Capacity and memory (each row scaled to its larger value)", perRow: true, rows: capRows}, names)
	s.fanoutCurves(r, names)
	s.y += 10
	s.text(20, s.y, 11, "start", "#777", "normal", "µs/msg = server CPU time (utime+stime from /proc) / deliveries; one core each for server and generator; see bench/README.md for caveats.")
	s.y += 16
	h := s.y
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%.0f" viewBox="0 0 %d %.0f">`+"\n", chartW, h, chartW, h) +
		fmt.Sprintf(`<rect width="100%%" height="100%%" fill="white"/>`+"\n") + s.b.String() + "</svg>\n"
}

func (s *svg) bars(p barPanel, names []string) {
	if len(p.rows) == 0 {
		return
	}
	s.y += 10
	s.text(20, s.y, 15, "start", "#222", "bold", p.title)
	s.y += 12
	plotX, plotW := float64(labelW), float64(chartW-labelW-ratioW-20)
	maxV := 0.0
	for _, row := range p.rows {
		for _, v := range row.values {
			maxV = max(maxV, v)
		}
	}
	if maxV <= 0 {
		maxV = 1
	}
	scale := func(v, rowMax float64) float64 {
		if p.perRow {
			if rowMax <= 0 {
				return 0
			}
			return plotW * v / rowMax
		}
		if p.log {
			lo, hi := math.Log10(p.logMin), math.Log10(maxV*1.2)
			if v <= p.logMin {
				return 1
			}
			return plotW * (math.Log10(v) - lo) / (hi - lo)
		}
		return plotW * v / (maxV * 1.05)
	}
	top := s.y
	height := float64(len(p.rows))*(float64(len(names))*barH+rowGap) + 4
	// grid
	if p.log {
		for t := p.logMin; t <= maxV*1.2; t *= 10 {
			gx := plotX + scale(t, 0)
			s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e4e4e4"/>`+"\n", gx, top, gx, top+height)
			s.text(gx, top+height+11, 10, "middle", "#888", "normal", num(t))
		}
	} else if !p.perRow {
		step := niceStep(maxV * 1.05 / 5)
		for t := 0.0; t <= maxV*1.05; t += step {
			gx := plotX + scale(t, 0)
			s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e4e4e4"/>`+"\n", gx, top, gx, top+height)
			s.text(gx, top+height+11, 10, "middle", "#888", "normal", num(t))
		}
	}
	y := top + 2
	for _, row := range p.rows {
		rowMax := 0.0
		for _, v := range row.values {
			rowMax = max(rowMax, v)
		}
		s.text(plotX-8, y+float64(len(names))*barH/2+4, 11, "end", "#333", "normal", row.label)
		for _, n := range names {
			v, ok := row.values[n]
			if ok {
				w := max(scale(v, rowMax), 1)
				s.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"/>`+"\n", plotX, y, w, barH-2, colorOf(n))
				label := num(v)
				if fl := row.flag[n]; fl != "" {
					label += "  (" + fl + ")"
				}
				if w > plotW*0.55 {
					s.text(plotX+w-4, y+barH-3, 10, "end", "white", "bold", label)
				} else {
					s.text(plotX+w+4, y+barH-3, 10, "start", "#333", "normal", label)
				}
			}
			y += barH
		}
		b, okB := row.values[baseName]
		c, okC := row.values[candName]
		if okB && okC && b > 0 && c > 0 {
			var t, color string
			lowerBetter := p.lower || strings.Contains(row.label, "lower better")
			switch {
			case lowerBetter && c <= b:
				t, color = fmt.Sprintf("%.1fx less", b/c), "#1a7f37"
			case lowerBetter:
				t, color = fmt.Sprintf("%.1fx more", c/b), "#b42318"
			case c >= b:
				t, color = fmt.Sprintf("%.1fx more", c/b), "#1a7f37"
			default:
				t, color = fmt.Sprintf("%.1fx less", b/c), "#b42318"
			}
			s.text(float64(chartW-20), y-float64(len(names))*barH/2+1, 12, "end", color, "bold", "actorio "+t)
		}
		y += rowGap
	}
	s.y = top + height + 16
	s.y += panelGap - 20
}

// fanoutCurves plots p99 latency against delivered messages/s for every
// fanout step: where each server's curve crosses the bound is its breaking
// point.
func (s *svg) fanoutCurves(r *Report, names []string) {
	type pt struct {
		rate, x, y float64
		pass       bool
	}
	series := map[string][]pt{} // "<server> n=<members>"
	var keys []string
	minX, maxX, maxY := math.Inf(1), 0.0, 100.0
	for _, c := range r.Cases {
		if c.Scenario != "fanout" || c.Breaking {
			continue
		}
		var members int
		if _, err := fmt.Sscanf(c.Key, "fanout n=%d", &members); err != nil {
			continue
		}
		for _, n := range names {
			m := c.Results[n]
			if m == nil || m.Error != "" || m.Throughput <= 0 {
				continue
			}
			k := fmt.Sprintf("%s n=%d", n, members)
			if _, ok := series[k]; !ok {
				keys = append(keys, k)
			}
			y := max(m.P99MS, 0.1)
			series[k] = append(series[k], pt{rate: c.Rate, x: m.Throughput, y: y, pass: m.Pass != nil && *m.Pass})
			minX, maxX, maxY = min(minX, m.Throughput), max(maxX, m.Throughput), max(maxY, y)
		}
	}
	if len(keys) == 0 {
		return
	}
	sort.Strings(keys)
	s.y += 10
	s.text(20, s.y, 15, "start", "#222", "bold", "Fanout ladders: p99 latency vs delivered messages/s (log-log; dashed: the 100 ms and 300 ms bounds)")
	s.y += 10
	x0, w, y0, h := 80.0, float64(chartW-80-200), s.y+10, 260.0
	lx0, lx1 := math.Floor(math.Log10(minX)), math.Ceil(math.Log10(maxX*1.01))
	ly0, ly1 := -1.0, math.Ceil(math.Log10(maxY*1.01))
	if lx1 <= lx0 {
		lx1 = lx0 + 1
	}
	px := func(v float64) float64 { return x0 + w*(math.Log10(v)-lx0)/(lx1-lx0) }
	py := func(v float64) float64 { return y0 + h - h*(math.Log10(v)-ly0)/(ly1-ly0) }
	s.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#ccc"/>`+"\n", x0, y0, w, h)
	for e := lx0; e <= lx1; e++ {
		gx := px(math.Pow(10, e))
		s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", gx, y0, gx, y0+h)
		s.text(gx, y0+h+13, 10, "middle", "#888", "normal", num(math.Pow(10, e)))
	}
	for e := ly0; e <= ly1; e++ {
		gy := py(math.Pow(10, e))
		s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x0, gy, x0+w, gy)
		s.text(x0-6, gy+4, 10, "end", "#888", "normal", num(math.Pow(10, e))+" ms")
	}
	for _, bound := range []float64{100, 300} {
		if bound <= math.Pow(10, ly1) {
			s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#b42318" stroke-dasharray="5,4" stroke-width="1"/>`+"\n", x0, py(bound), x0+w, py(bound))
		}
	}
	s.text(x0+w/2, y0+h+28, 11, "middle", "#555", "normal", "delivered messages/s")
	ly := y0 + 8
	for _, k := range keys {
		pts := series[k]
		// In ladder order: an overloaded step folds back (fewer deliveries
		// at a higher offered rate), which is the breaking point showing.
		sort.Slice(pts, func(i, j int) bool { return pts[i].rate < pts[j].rate })
		server, _, _ := strings.Cut(k, " ")
		color := colorOf(server)
		dash := ""
		if strings.HasSuffix(k, "n=10000") {
			dash = ` stroke-dasharray="6,3"`
		}
		var path strings.Builder
		for i, p := range pts {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f,%.1f ", cmd, px(p.x), py(p.y))
		}
		s.f(`<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.TrimSpace(path.String()), color, dash)
		for _, p := range pts {
			fill := color
			if !p.pass {
				fill = "white"
			}
			s.f(`<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="%s" stroke-width="1.5"/>`+"\n", px(p.x), py(p.y), fill, color)
		}
		s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", x0+w+16, ly, x0+w+40, ly, color, dash)
		s.text(x0+w+46, ly+4, 11, "start", "#333", "normal", k)
		ly += 18
	}
	s.text(x0+w+16, ly+6, 10, "start", "#777", "normal", "hollow: step failed")
	s.y = y0 + h + 40
}

// niceStep rounds a grid step to 1, 2 or 5 × 10^k.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	switch f := v / e; {
	case f <= 1:
		return e
	case f <= 2:
		return 2 * e
	case f <= 5:
		return 5 * e
	}
	return 10 * e
}
