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
  const widths = header.map((_, j) => {
    let width = 0;
    for (const r of all) width = Math.max(width, [...(r[j] ?? "")].length);
    return width;
  });
  const pad = (cell: string, j: number) => {
    const fill = " ".repeat(widths[j] - [...cell].length);
    return align[j] === "right" ? fill + cell : cell + fill;
  };
  return `${all.map((r) => r.map(pad).join("  ").trimEnd()).join("\n")}\n`;
}

/** A block of lines indented by two spaces (empty lines left empty). */
export function indent(block: string): string {
  return block
    .split("\n")
    .map((l) => (l === "" ? l : `  ${l}`))
    .join("\n");
}

/** `inspect`'s table of a model's weights, one row each with its label, indented. */
export function weightsTable(weights: readonly number[], labels: readonly string[]): string {
  return indent(
    formatTable(
      ["#", "weight", "value"],
      weights.map((w, i) => [String(i + 1), labels[i], String(w)]),
      ["right", "left", "right"],
    ),
  );
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

/** C0 controls, DEL and C1 controls: what a terminal may read as a command (ESC, CSI, OSC, BEL, …). */
const CONTROL = /\p{Cc}/gu;
const CONTROL_BUT_LINE_BREAKS = /(?!\n)\p{Cc}/gu;

function escapeControl(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x80
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * `text` made safe to print on a terminal: every control character (C0, DEL,
 * C1) is shown escaped (`\x1b`, `\x07`, `\u009b`) instead of being sent, so
 * that names and messages read from files cannot clear the screen, move the
 * cursor or write the clipboard (OSC 52). Line breaks are escaped too unless
 * `keepLineBreaks` (for multi-line text the CLI itself lays out).
 */
export function terminalSafe(text: string, options: { readonly keepLineBreaks?: boolean } = {}): string {
  return text.replace(options.keepLineBreaks ? CONTROL_BUT_LINE_BREAKS : CONTROL, escapeControl);
}

/**
 * JSON.stringify with DEL and the C1 controls written as `\u` escapes as well
 * (JSON.stringify escapes only C0): the same JSON value, safe on a terminal.
 */
export function terminalJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
