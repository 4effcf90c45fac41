/** A tiny HTML builder: interpolated values are escaped unless they are already `SafeHtml`. */

/** HTML that is already escaped or trusted (our own markup, vega's SVG). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

/** Escape text for element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function partToString(p: Part): string {
  if (p === null || p === undefined || p === false || p === true) return '';
  if (p instanceof SafeHtml) return p.value;
  if (Array.isArray(p)) return p.map(partToString).join('');
  return escapeHtml(String(p));
}

/** Tagged template: `html\`<td title="${t}">${x}</td>\`` escapes `t` and `x`. Arrays are joined. */
export function html(strings: TemplateStringsArray, ...parts: readonly Part[]): SafeHtml {
  let out = strings[0] ?? '';
  parts.forEach((p, i) => {
    out += partToString(p) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Mark a string as trusted HTML. Only for markup this package generated. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
