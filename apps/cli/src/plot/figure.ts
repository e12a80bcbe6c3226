/**
 * The `plot` command's figure: for a regressor one parity panel per output
 * (predicted against measured, with the line y = x), for a classifier its
 * confusion matrix and reliability diagram; when a checkpoint is given the
 * error curve of the build (training and validation error per model, log
 * scale), and with --sensitivity one bar chart per output of the inputs'
 * first-order indices with their 95 % intervals.
 */
import { formatTick, linearTicks, logAxisTicks, paddedRange, type Range } from "./axis.js";
import { coord, line, text } from "./svg.js";

export interface ParityPanel {
  readonly title: string;
  readonly measured: ArrayLike<number>;
  readonly predicted: ArrayLike<number>;
  /** Shown under the title, e.g. "RMSE 0.98 · R² 0.87". */
  readonly subtitle: string;
}

export interface ErrorCurve {
  /** One entry per model of the checkpoint, in build order. */
  readonly modelNumbers: readonly number[];
  readonly training: readonly number[];
  readonly validation: readonly number[];
  /** The model the build chose, marked on the curve. */
  readonly selected?: number;
  /** What the errors are, for the subtitle (default "RMSE, normalised units"). */
  readonly measure?: string;
}

/** A classifier's confusion matrix: counts[i][j] rows of class i predicted as class j. */
export interface ConfusionPanel {
  readonly title: string;
  readonly subtitle: string;
  readonly classes: readonly string[];
  readonly counts: readonly (readonly number[])[];
}

/** A reliability diagram: per bin of confidence, its rows, mean confidence and accuracy (NaN when empty). */
export interface ReliabilityPanel {
  readonly title: string;
  readonly subtitle: string;
  readonly bins: readonly { readonly rows: number; readonly confidence: number; readonly accuracy: number }[];
}

/** One output's first-order indices: a bar per input, its 95 % interval as a whisker. */
export interface SensitivityPanel {
  readonly title: string;
  readonly subtitle: string;
  readonly inputs: readonly string[];
  readonly index: readonly number[];
  readonly halfWidth: readonly number[];
}

export interface Figure {
  readonly title: string;
  readonly parity: readonly ParityPanel[];
  readonly confusion?: ConfusionPanel;
  readonly reliability?: ReliabilityPanel;
  readonly errorCurve?: ErrorCurve;
  readonly sensitivity?: readonly SensitivityPanel[];
}

// Margins chosen so that the plotting area is square (262 × 262): a parity
// plot's diagonal then sits at 45°.
const PANEL = { width: 340, height: 356 };
const MARGIN = { left: 62, right: 16, top: 48, bottom: 46 };
const PANELS_PER_ROW = 3;
const TITLE_HEIGHT = 34;
const COLORS = {
  point: "#1f77b4",
  diagonal: "#888",
  training: "#1f77b4",
  validation: "#d62728",
  axis: "#333",
};

interface Frame {
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
}

/** The whole figure as an SVG document. */
export function renderFigure(figure: Figure): string {
  const { confusion, reliability, errorCurve } = figure;
  // Each panel draws itself in the frame it is given, in this order.
  const panels: ((frame: Frame) => string)[] = [
    ...figure.parity.map((panel) => (frame: Frame) => parityPanel(panel, frame)),
    ...(confusion ? [(frame: Frame) => confusionPanel(confusion, frame)] : []),
    ...(reliability ? [(frame: Frame) => reliabilityPanel(reliability, frame)] : []),
    ...(errorCurve ? [(frame: Frame) => errorCurvePanel(errorCurve, frame)] : []),
    ...(figure.sensitivity ?? []).map((panel) => (frame: Frame) => sensitivityPanel(panel, frame)),
  ];
  const panelCount = panels.length;
  const columns = Math.min(panelCount, PANELS_PER_ROW);
  const rows = Math.ceil(panelCount / PANELS_PER_ROW);
  const width = columns * PANEL.width;
  const height = TITLE_HEIGHT + rows * PANEL.height;
  const parts: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    text(width / 2, 22, figure.title, { "text-anchor": "middle", "font-size": 15, "font-weight": "bold" }),
  ];
  const frameAt = (k: number): Frame => ({
    x0: (k % PANELS_PER_ROW) * PANEL.width + MARGIN.left,
    y0: TITLE_HEIGHT + Math.floor(k / PANELS_PER_ROW) * PANEL.height + MARGIN.top,
    width: PANEL.width - MARGIN.left - MARGIN.right,
    height: PANEL.height - MARGIN.top - MARGIN.bottom,
  });
  panels.forEach((draw, k) => parts.push(draw(frameAt(k))));
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function parityPanel(panel: ParityPanel, frame: Frame): string {
  // Same range on both axes, so the diagonal is the line of perfect predictions.
  const range = paddedRange([...Array.from(panel.measured), ...Array.from(panel.predicted)]);
  const sx = scale(range, frame.x0, frame.x0 + frame.width);
  const sy = scale(range, frame.y0 + frame.height, frame.y0);
  const parts = [
    `<g class="parity">`,
    panelTitles(panel.title, panel.subtitle, frame),
    axes(frame, range, range, linearTicks(range), linearTicks(range), formatTick, formatTick),
    axisLabels(frame, "measured", "predicted"),
    line(sx(range.min), sy(range.min), sx(range.max), sy(range.max), {
      stroke: COLORS.diagonal,
      "stroke-dasharray": "4 3",
    }),
  ];
  for (let i = 0; i < panel.measured.length; i++) {
    const x = panel.measured[i];
    const y = panel.predicted[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    parts.push(
      `<circle cx="${coord(sx(x))}" cy="${coord(sy(y))}" r="2.5" fill="${COLORS.point}" fill-opacity="0.6"/>`,
    );
  }
  parts.push("</g>");
  return parts.join("\n");
}

function errorCurvePanel(curve: ErrorCurve, frame: Frame): string {
  // Errors shrink by orders of magnitude during a build: plot log10(error).
  const positiveLogs = (values: readonly number[]) =>
    values.map((v) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : Number.NaN));
  const training = positiveLogs(curve.training);
  const validation = positiveLogs(curve.validation);
  const xRange = paddedRange(curve.modelNumbers);
  const yRange = paddedRange([...training, ...validation]);
  const sx = scale(xRange, frame.x0, frame.x0 + frame.width);
  const sy = scale(yRange, frame.y0 + frame.height, frame.y0);
  const yTicks = logAxisTicks(yRange);
  const xTicks = linearTicks(xRange).filter((t) => Number.isInteger(t));
  const polyline = (values: number[], color: string, name: string) => {
    const points = values
      .map((v, i) => (Number.isFinite(v) ? `${coord(sx(curve.modelNumbers[i]))},${coord(sy(v))}` : ""))
      .filter((p) => p !== "")
      .join(" ");
    return `<polyline class="${name}" points="${points}" fill="none" stroke="${color}" stroke-width="1.8"/>`;
  };
  const selectedMark =
    curve.selected === undefined
      ? ""
      : [
          line(sx(curve.selected), frame.y0, sx(curve.selected), frame.y0 + frame.height, {
            stroke: "#2ca02c",
            "stroke-dasharray": "3 3",
          }),
          // Label on the side with room, so it never runs off the panel.
          sx(curve.selected) > frame.x0 + frame.width / 2
            ? text(sx(curve.selected) - 4, frame.y0 + frame.height - 6, `chosen: ${curve.selected}`, {
                fill: "#2ca02c",
                "text-anchor": "end",
              })
            : text(sx(curve.selected) + 4, frame.y0 + frame.height - 6, `chosen: ${curve.selected}`, {
                fill: "#2ca02c",
              }),
        ].join("\n");
  const legendY = frame.y0 + 12;
  const legendX = frame.x0 + frame.width - 110;
  return [
    `<g class="error-curve">`,
    panelTitles(
      "Build error",
      `${curve.modelNumbers.length} models (${curve.measure ?? "RMSE, normalised units"})`,
      frame,
    ),
    axes(frame, xRange, yRange, xTicks, yTicks, formatTick, (k) => formatTick(10 ** k)),
    axisLabels(frame, "model number", "error (log scale)"),
    polyline(training, COLORS.training, "training"),
    polyline(validation, COLORS.validation, "validation"),
    selectedMark,
    line(legendX, legendY, legendX + 18, legendY, { stroke: COLORS.training, "stroke-width": 2 }),
    text(legendX + 22, legendY + 4, "training"),
    line(legendX, legendY + 16, legendX + 18, legendY + 16, { stroke: COLORS.validation, "stroke-width": 2 }),
    text(legendX + 22, legendY + 20, "validation"),
    "</g>",
  ].join("\n");
}

function sensitivityPanel(panel: SensitivityPanel, frame: Frame): string {
  // Indices are shares of the variance: the axis spans 0 to 1 at least, and the intervals.
  const xRange = paddedRange([
    0,
    1,
    ...panel.index.map((v, j) => v - panel.halfWidth[j]),
    ...panel.index.map((v, j) => v + panel.halfWidth[j]),
  ]);
  const sx = scale(xRange, frame.x0, frame.x0 + frame.width);
  const band = frame.height / Math.max(panel.inputs.length, 1);
  const parts = [
    `<g class="sensitivity">`,
    panelTitles(panel.title, panel.subtitle, frame),
    axes(frame, xRange, { min: 0, max: 1 }, linearTicks(xRange), [], formatTick, formatTick),
    axisLabels(frame, "first-order index", ""),
    line(sx(0), frame.y0, sx(0), frame.y0 + frame.height, { stroke: COLORS.axis }),
  ];
  panel.inputs.forEach((input, j) => {
    const top = frame.y0 + j * band + band * 0.2;
    const height = band * 0.6;
    const value = panel.index[j];
    const [from, to] = value >= 0 ? [sx(0), sx(value)] : [sx(value), sx(0)];
    parts.push(
      `<rect class="bar" x="${coord(from)}" y="${coord(top)}" width="${coord(Math.max(to - from, 0))}" height="${coord(height)}" fill="${COLORS.point}" fill-opacity="0.7"/>`,
      line(
        sx(value - panel.halfWidth[j]),
        top + height / 2,
        sx(value + panel.halfWidth[j]),
        top + height / 2,
        {
          stroke: COLORS.axis,
          class: "interval",
        },
      ),
      text(frame.x0 - 6, top + height / 2 + 4, shortLabel(input), { "text-anchor": "end" }),
    );
  });
  parts.push("</g>");
  return parts.join("\n");
}

function confusionPanel(panel: ConfusionPanel, frame: Frame): string {
  const k = panel.classes.length;
  const cell = frame.width / Math.max(k, 1);
  const fontSize = Math.max(6, Math.min(11, cell * 0.4));
  const parts = [
    `<g class="confusion">`,
    panelTitles(panel.title, panel.subtitle, frame),
    `<rect x="${coord(frame.x0)}" y="${coord(frame.y0)}" width="${coord(frame.width)}" height="${coord(frame.height)}" fill="none" stroke="${COLORS.axis}"/>`,
    axisLabels(frame, "predicted class", "true class"),
  ];
  panel.counts.forEach((row, i) => {
    // Shaded by the share of the true class's rows: a small class reads as clearly as a large one.
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => {
      const share = total > 0 ? count / total : 0;
      const x = frame.x0 + j * cell;
      const y = frame.y0 + i * cell;
      parts.push(
        `<rect class="cell" x="${coord(x)}" y="${coord(y)}" width="${coord(cell)}" height="${coord(cell)}" fill="${COLORS.point}" fill-opacity="${coord(share)}"/>`,
        text(x + cell / 2, y + cell / 2 + fontSize / 3, String(count), {
          class: "count",
          "text-anchor": "middle",
          "font-size": coord(fontSize),
          fill: share > 0.5 ? "white" : COLORS.axis,
        }),
      );
    });
  });
  const bottom = frame.y0 + frame.height;
  panel.classes.forEach((name, c) => {
    const centre = c * cell + cell / 2;
    parts.push(
      text(frame.x0 + centre, bottom + 16, shortLabel(name), { "text-anchor": "middle" }),
      text(frame.x0 - 6, frame.y0 + centre + 4, shortLabel(name), { "text-anchor": "end" }),
    );
  });
  parts.push("</g>");
  return parts.join("\n");
}

function reliabilityPanel(panel: ReliabilityPanel, frame: Frame): string {
  const range: Range = { min: 0, max: 1 };
  const sx = scale(range, frame.x0, frame.x0 + frame.width);
  const sy = scale(range, frame.y0 + frame.height, frame.y0);
  const ticks = linearTicks(range);
  const filled = panel.bins.filter((b) => b.rows > 0);
  const points = filled.map((b) => `${coord(sx(b.confidence))},${coord(sy(b.accuracy))}`).join(" ");
  const parts = [
    `<g class="reliability">`,
    panelTitles(panel.title, panel.subtitle, frame),
    axes(frame, range, range, ticks, ticks, formatTick, formatTick),
    axisLabels(frame, "mean confidence", "accuracy"),
    // A calibrated model's bins lie on the diagonal: accuracy equal to confidence.
    line(sx(0), sy(0), sx(1), sy(1), { stroke: COLORS.diagonal, "stroke-dasharray": "4 3" }),
    `<polyline class="calibration" points="${points}" fill="none" stroke="${COLORS.point}" stroke-width="1.8"/>`,
  ];
  for (const b of filled) {
    parts.push(
      `<circle class="bin" cx="${coord(sx(b.confidence))}" cy="${coord(sy(b.accuracy))}" r="3" fill="${COLORS.point}"><title>${b.rows} rows</title></circle>`,
    );
  }
  parts.push("</g>");
  return parts.join("\n");
}

/** Characters of an input's name that fit the left margin. */
const LABEL_CHARACTERS = 9;

function shortLabel(name: string): string {
  return name.length <= LABEL_CHARACTERS ? name : `${name.slice(0, LABEL_CHARACTERS - 1)}…`;
}

function panelTitles(title: string, subtitle: string, frame: Frame): string {
  const cx = frame.x0 + frame.width / 2;
  return [
    text(cx, frame.y0 - 26, title, { "text-anchor": "middle", "font-size": 13, "font-weight": "bold" }),
    text(cx, frame.y0 - 10, subtitle, { "text-anchor": "middle", fill: "#555" }),
  ].join("\n");
}

function axes(
  frame: Frame,
  xRange: Range,
  yRange: Range,
  xTicks: readonly number[],
  yTicks: readonly number[],
  xLabel: (v: number) => string,
  yLabel: (v: number) => string,
): string {
  const sx = scale(xRange, frame.x0, frame.x0 + frame.width);
  const sy = scale(yRange, frame.y0 + frame.height, frame.y0);
  const bottom = frame.y0 + frame.height;
  const parts = [
    `<rect x="${coord(frame.x0)}" y="${coord(frame.y0)}" width="${coord(frame.width)}" height="${coord(frame.height)}" fill="none" stroke="${COLORS.axis}"/>`,
  ];
  for (const t of xTicks) {
    const x = sx(t);
    parts.push(line(x, bottom, x, bottom + 4, { stroke: COLORS.axis }));
    parts.push(text(x, bottom + 16, xLabel(t), { "text-anchor": "middle" }));
  }
  for (const t of yTicks) {
    const y = sy(t);
    parts.push(line(frame.x0 - 4, y, frame.x0, y, { stroke: COLORS.axis }));
    parts.push(text(frame.x0 - 6, y + 4, yLabel(t), { "text-anchor": "end" }));
  }
  return parts.join("\n");
}

function axisLabels(frame: Frame, xName: string, yName: string): string {
  const cx = frame.x0 + frame.width / 2;
  const cy = frame.y0 + frame.height / 2;
  const lx = frame.x0 - 48;
  return [
    text(cx, frame.y0 + frame.height + 34, xName, { "text-anchor": "middle" }),
    text(lx, cy, yName, { "text-anchor": "middle", transform: `rotate(-90 ${coord(lx)} ${coord(cy)})` }),
  ].join("\n");
}

/** Maps a data range linearly onto pixel positions `from` … `to`. */
function scale(range: Range, from: number, to: number): (v: number) => number {
  const span = range.max - range.min || 1;
  return (v) => from + ((v - range.min) / span) * (to - from);
}
