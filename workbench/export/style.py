"""The exported page's style sheet, inlined into it (no file, font or script is fetched: the page
opens from a file after ``scp``). Colours are CSS variables with a dark set for
``prefers-color-scheme: dark``; the SVG plots (svg.py) use the same variables through classes."""

CSS = """
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --diag: #0969da; --off: #cf222e; --zero: #eef1f4; --good: #1a7f37; --bad: #cf222e; --bar: #0969da; --curve: #8250df;
  --s0: #0969da; --s1: #cf222e; --s2: #1a7f37; --s3: #8250df; --s4: #bc4c00; --s5: #1b7c83; }
@media (prefers-color-scheme: dark) { :root {
  --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
  --diag: #4493f8; --off: #ff7b72; --zero: #1c2128; --good: #3fb950; --bad: #ff7b72; --bar: #4493f8; --curve: #bc8cff;
  --s0: #4493f8; --s1: #ff7b72; --s2: #3fb950; --s3: #bc8cff; --s4: #f0883e; --s5: #39c5cf; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1360px; padding: 24px; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub, .muted, figcaption { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { max-width: 640px; overflow-wrap: anywhere; white-space: pre-wrap; }
td.bar { background-image: linear-gradient(90deg, color-mix(in srgb, var(--bar) 22%, transparent) var(--w), transparent var(--w)); }
.good { color: var(--good); } .bad { color: var(--bad); }
.scroll { overflow: auto; max-width: 100%; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: var(--bg); }
.plots { display: flex; flex-wrap: wrap; gap: 24px; }
figure { margin: 0; max-width: 380px; }
td ul { margin: 0; padding-left: 18px; }
details { margin: 6px 0; } summary { cursor: pointer; color: var(--muted); }
.notes li { color: var(--muted); }
svg text { fill: var(--fg); font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
svg .axis { fill: var(--muted); } svg .tick { fill: var(--muted); font-size: 10px; }
svg .lab.inv { fill: var(--off); }
svg rect.z { fill: var(--zero); } svg rect.d { fill: var(--diag); } svg rect.o { fill: var(--off); }
svg.cm rect:hover { stroke: var(--fg); stroke-width: 1.5; }
svg .num.on { fill: #ffffff; }
svg rect.plot { fill: none; stroke: var(--line); } svg line.grid { stroke: var(--line); stroke-width: 0.5; }
svg line.ideal { stroke: var(--muted); stroke-dasharray: 4 3; } svg line.target { stroke: var(--good); stroke-dasharray: 5 3; }
svg rect.bar { fill: var(--bar); fill-opacity: 0.55; } svg circle.dot { fill: var(--off); }
svg polyline.curve { fill: none; stroke: var(--curve); stroke-width: 2; }
svg.lc .band { stroke: none; fill-opacity: 0.16; } svg.lc .mean { fill: none; stroke-width: 2; } svg.lc .whole { stroke-dasharray: 6 4; stroke-width: 1.5; }
svg.lc .s0 { stroke: var(--s0); fill: var(--s0); } svg.lc .s1 { stroke: var(--s1); fill: var(--s1); } svg.lc .s2 { stroke: var(--s2); fill: var(--s2); }
svg.lc .s3 { stroke: var(--s3); fill: var(--s3); } svg.lc .s4 { stroke: var(--s4); fill: var(--s4); } svg.lc .s5 { stroke: var(--s5); fill: var(--s5); }
svg.lc polyline.mean, svg.lc line.mean, svg.lc line.whole { fill: none; }
figure.wide { max-width: 680px; }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; vertical-align: -1px; }
.legend .d { background: var(--diag); } .legend .o { background: var(--off); }
"""
