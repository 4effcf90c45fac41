/** The report's only stylesheet, inlined in `<style>`: system fonts, no external assets. */
export const STYLES = `
:root {
  --ink: #1f2933; --muted: #52606d; --faint: #7b8794; --line: #e4e7eb; --bg: #f5f7fa; --card: #fff;
  --good: #17803d; --good-bg: #e3f4e8; --bad: #c81e1e; --bad-bg: #fde8e8; --warn: #8a5a00; --warn-bg: #fff4d6;
  --accent: #2171b5; --delta: #e6550d;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body {
  margin: 0 auto; max-width: 1240px; padding: 28px 28px 64px; color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
}
h1 { font-size: 24px; margin: 0 0 2px; letter-spacing: -0.01em; }
h2 { font-size: 18px; margin: 0 0 4px; }
h3 { font-size: 14px; margin: 18px 0 6px; color: var(--muted); }
p { margin: 6px 0; }
a { color: var(--accent); }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eef1f5; padding: 1px 4px; border-radius: 3px; }
.subtitle { color: var(--muted); margin: 0 0 16px; font-size: 15px; }
section, header.report { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 18px 22px; margin: 0 0 18px; }
.lede { color: var(--muted); max-width: 80ch; }
.note { color: var(--muted); font-size: 12.5px; max-width: 100ch; }
.num, td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }

dl.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 10px 24px; margin: 12px 0 0; }
dl.meta div { min-width: 0; }
dl.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--faint); }
dl.meta dd { margin: 1px 0 0; overflow-wrap: anywhere; }

.banner { margin: 14px 0 0; padding: 10px 14px; border-radius: 6px; font-weight: 500; }
.banner.bad { background: var(--bad-bg); color: var(--bad); border: 1px solid #f8b4b4; }
.banner.good { background: var(--good-bg); color: var(--good); border: 1px solid #a7dbb5; }
.banner.info { background: #eef4fb; color: #1b4f80; border: 1px solid #c5dbf0; }

table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; text-align: left; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid #cbd2d9; background: #fafbfc; position: sticky; top: 0; }
tbody tr:hover td { background: #fafcff; }
.scroll { overflow-x: auto; }

table.ladder th.phase, table.ladder td.cell, table.memory th.phase, table.memory td.cell { text-align: right; min-width: 104px; }
table.ladder th.phase .swatch { margin-right: 5px; }
table.ladder th.delta, table.ladder td.delta, table.memory th.delta, table.memory td.delta { border-left: 2px solid #cbd2d9; }
table.competition td.num { min-width: 110px; }
table.competition td .note { max-width: 220px; white-space: normal; }
table.ladder tr.dataset th { background: #f0f4f8; font-size: 13px; color: var(--ink); text-align: left; padding-top: 9px; }
table.ladder tr.dataset th .codec { color: var(--muted); font-weight: 400; }
table.ladder td.op, table.memory td.op { font-weight: 600; white-space: nowrap; }
table.ladder td.rows, table.memory td.rows { color: var(--muted); white-space: nowrap; }
td.cell .v { font-weight: 600; white-space: nowrap; }
td.cell .r { font-size: 11.5px; color: var(--muted); white-space: nowrap; }
td.cell .r span { display: block; }
td.cell.best { background: #eef5fc; }
td.cell.best .v::before { content: "★ "; color: var(--accent); font-size: 11px; }
td.cell.none { color: #b0b8c1; }
td.cell.regressed { box-shadow: inset 3px 0 0 var(--bad); }
td.cell.over { background: var(--bad-bg); }
.good { color: var(--good); }
.bad { color: var(--bad); }
.flag { display: inline-block; margin-top: 2px; font-size: 11px; font-weight: 700; color: var(--bad); background: var(--bad-bg); border-radius: 3px; padding: 0 5px; white-space: nowrap; }
.badge { display: inline-block; font-size: 11px; font-weight: 600; border-radius: 10px; padding: 1px 8px; white-space: nowrap; }
.badge.not-implemented, .badge.not-measured { background: #eef1f5; color: var(--muted); }
.badge.rejected, .badge.error, .badge.missed, .badge.slower, .badge.broken { background: var(--bad-bg); color: var(--bad); }
.badge.met { background: var(--good-bg); color: var(--good); }
.badge.earlier { background: var(--warn-bg); color: var(--warn); }
.dagger { color: var(--warn); font-weight: 700; }

.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 8px 0 4px; font-size: 12.5px; color: var(--muted); }
.legend span { white-space: nowrap; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; vertical-align: -1px; margin-right: 5px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; margin-top: 10px; }
.charts.wide { grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); }
details.history-mbps, details.memory-more { margin-top: 16px; }
details.history-mbps > summary, details.memory-more > summary { cursor: pointer; font-size: 14px; font-weight: 600; color: var(--muted); }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px 6px; background: #fff; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12.5px; font-weight: 600; color: var(--ink); margin: 0 0 4px; }
.two { display: grid; grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr); gap: 22px; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
table.geomeans { width: auto; min-width: 60%; }
table.geomeans td.phase { white-space: nowrap; padding-right: 28px; }
table.goals td:nth-child(2), table.goals td:nth-child(4) { white-space: nowrap; }
footer { color: var(--faint); font-size: 12px; text-align: center; margin-top: 24px; }
tr.earlier td { color: var(--muted); }
`;
