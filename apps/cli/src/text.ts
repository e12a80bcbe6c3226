/** Plain-text tables and number formatting for human output. */

export type Alignment = "left" | "right";

/**
 * Columns separated by two spaces; by default the first is left-aligned
 * (names) and the others right-aligned (numbers).
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Alignment[] = header.map((_, j) => (j === 0 ? "left" : "right")),
): string {
  const all = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...all.map((r) => [...(r[j] ?? "")].length)));
  const pad = (cell: string, j: number) => {
    const fill = " ".repeat(widths[j] - [...cell].length);
    return align[j] === "right" ? fill + cell : cell + fill;
  };
  return `${all.map((r) => r.map(pad).join("  ").trimEnd()).join("\n")}\n`;
}

/** JSON has no NaN or Infinity: those become null. */
export function jsonNumber(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Seconds with one decimal, e.g. "12.3 s". */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** An error value for a table: 4 significant digits, or "n/a". */
export function formatError(v: number | undefined): string {
  return v !== undefined && Number.isFinite(v) ? v.toPrecision(4) : "n/a";
}
