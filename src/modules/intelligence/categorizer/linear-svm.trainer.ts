import { SeededRandom } from './random';
import type { SparseMatrix } from './sparse';

export interface LinearSvmOptions {
  /** Inverse regularisation strength. */
  C: number;
  /** Stop when the projected-gradient spread falls below this (liblinear's default is 0.1). */
  tolerance: number;
  /** Passes over the data per class at most. */
  maxEpochs: number;
  seed: number;
}

/**
 * One-vs-rest L2-regularised, squared-hinge-loss linear SVMs solved in the dual by coordinate
 * descent with shrinking (Hsieh et al., 2008 — liblinear's default solver). Returns the weights
 * feature-major (`weights[feature * classes + class]`), which makes prediction a single pass
 * over a text's non-zero features.
 */
export function trainLinearSvm(
  x: SparseMatrix,
  y: Int32Array,
  classes: number,
  options: LinearSvmOptions,
): Float32Array {
  const weights = new Float32Array(x.columns * classes);
  const w = new Float64Array(x.columns);
  const alpha = new Float64Array(x.rows);
  const diag = 0.5 / options.C;
  const qd = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let sq = 0;
    for (let k = x.rowStart[i]; k < x.rowStart[i + 1]; k++) sq += x.values[k] * x.values[k];
    qd[i] = sq + diag;
  }
  const active = new Int32Array(x.rows);
  const sign = new Int8Array(x.rows);
  const random = new SeededRandom(options.seed);

  for (let c = 0; c < classes; c++) {
    w.fill(0);
    alpha.fill(0);
    for (let i = 0; i < x.rows; i++) sign[i] = y[i] === c ? 1 : -1;
    for (let i = 0; i < x.rows; i++) active[i] = i;
    let activeSize = x.rows;
    let maxOld = Infinity;

    for (let epoch = 0; epoch < options.maxEpochs; epoch++) {
      for (let i = activeSize - 1; i > 0; i--) {
        const j = random.int(i + 1);
        const t = active[i];
        active[i] = active[j];
        active[j] = t;
      }
      let maxPg = -Infinity;
      let minPg = Infinity;
      for (let s = 0; s < activeSize; s++) {
        const i = active[s];
        const start = x.rowStart[i];
        const end = x.rowStart[i + 1];
        let dot = 0;
        for (let k = start; k < end; k++) dot += w[x.indices[k]] * x.values[k];
        const yi = sign[i];
        const g = yi * dot - 1 + diag * alpha[i];
        let pg = 0;
        if (alpha[i] === 0) {
          if (g > maxOld) {
            // Shrink: this example sits comfortably outside the margin.
            activeSize--;
            active[s] = active[activeSize];
            active[activeSize] = i;
            s--;
            continue;
          }
          if (g < 0) pg = g;
        } else {
          pg = g;
        }
        if (pg > maxPg) maxPg = pg;
        if (pg < minPg) minPg = pg;
        if (pg > 1e-12 || pg < -1e-12) {
          const old = alpha[i];
          const step = old - g / qd[i];
          const next = step > 0 ? step : 0;
          alpha[i] = next;
          const d = (next - old) * yi;
          for (let k = start; k < end; k++) w[x.indices[k]] += d * x.values[k];
        }
      }
      if (maxPg - minPg <= options.tolerance) {
        if (activeSize === x.rows) break;
        // Converged on the shrunk set: check once more on everything.
        activeSize = x.rows;
        maxOld = Infinity;
        continue;
      }
      maxOld = maxPg <= 0 ? Infinity : maxPg;
    }
    for (let f = 0; f < x.columns; f++) weights[f * classes + c] = w[f];
  }
  return weights;
}
