/** Just enough SVG writing for the CLI's plots: escaped text, numbers with few digits. */

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A coordinate with two decimals: enough for a drawing, keeps the file small. */
export function coord(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export function text(
  x: number,
  y: number,
  content: string,
  attributes: Record<string, string | number> = {},
): string {
  return `<text x="${coord(x)}" y="${coord(y)}"${attrs(attributes)}>${escapeXml(content)}</text>`;
}

export function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  attributes: Record<string, string | number> = {},
): string {
  return `<line x1="${coord(x1)}" y1="${coord(y1)}" x2="${coord(x2)}" y2="${coord(y2)}"${attrs(attributes)}/>`;
}

export function attrs(attributes: Record<string, string | number>): string {
  return Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join("");
}
