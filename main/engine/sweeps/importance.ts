// Parameter importance of a sweep: how much of the objective each param explains. A small random forest
// (regression trees on bootstrap samples) is fitted on params → objective, and each param's importance is
// Breiman's out-of-bag permutation importance: how much a tree's error on the trials it did NOT see grows
// when that param's values are shuffled among them, relative to the objective's variance. A param the
// objective does not depend on scores ≈ 0 (shuffling it changes nothing), unlike impurity importances,
// which reward any param a tree happened to split on. The forest's own out-of-bag R² comes with it, so a
// reader can tell "x matters" from "nothing here is predictable".
//
// Log-scaled params (logspace, loguniform, …) are split in log space (thresholds fall between values the
// way the search spaced them); categories are split as categories (per node, ordered by their mean
// objective, the exact best binary split for regression). Pure and seeded: the same trials, the same answer.
import { Rng } from '../../../shared/random';
import type { GroupImportance } from '../../../shared/sweep-insights';

export interface ImportanceParamSpec {
  name: string;
  scale?: 'linear' | 'log' | 'categorical';
}

export interface ImportanceTrial {
  params: Record<string, unknown>;
  value: number;
}

export interface ImportanceOptions {
  /** Trees in the forest (default 100, fewer past 300 trials: each then sees more out-of-bag trials). */
  trees?: number;
  /** Fewer finished trials than this: no forest, `enough` false (default 10). */
  minTrials?: number;
  /** The fewest trials a leaf holds (default 2). */
  minLeaf?: number;
  /** More trials than this: a seeded sample of them is used (default 2000; the forest then stays fast). */
  maxTrials?: number;
  seed?: number;
}

/** One param's importance, as `groups.importance` gives it. */
export type ImportanceEntry = GroupImportance['params'][number];

/** `groups.importance` without what the handler adds (the group, the metric, the method in words). */
export type ImportanceResult = Omit<GroupImportance, 'groupId' | 'metric' | 'method'> & { trees: number };

interface Feature {
  name: string;
  kind: ImportanceEntry['kind'];
  /** Each trial's bin: a numeric param's quantile bin (its distinct values when there are few), or a
   * category's code. Splits are found from per-bin sums, so a node costs O(trials + bins), no sorting. */
  bin: Uint16Array;
  bins: number;
  /** Numeric params: each bin's mean value (log for log params), where a cut between two bins is placed
   * (a trial out of the bag can sit in a bin the tree never saw). */
  rep: Float64Array | null;
  constant: boolean;
}

/** Leaves go left where `goesLeft[bin]`; numeric params split at a bin edge, categories by any subset. */
type Node =
  { leaf: true; value: number } | { leaf: false; f: number; goesLeft: Uint8Array; left: Node; right: Node };

const MAX_BINS = 64;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function encode(spec: ImportanceParamSpec, trials: ImportanceTrial[]): Feature {
  const raw = trials.map((t) => t.params[spec.name]);
  const numeric = spec.scale !== 'categorical' && raw.every(finite);
  const log = numeric && spec.scale === 'log' && (raw as number[]).every((v) => v > 0);
  let bin: Uint16Array;
  let bins: number;
  let rep: Float64Array | null = null;
  if (numeric) {
    const x = (raw as number[]).map((v) => (log ? Math.log(v) : v));
    const distinct = [...new Set(x)].sort((a, b) => a - b);
    // Edges at quantiles when there are many values: a split then falls between two of them.
    const sorted = [...x].sort((a, b) => a - b);
    const edges =
      distinct.length <= MAX_BINS
        ? distinct.slice(1)
        : [
            ...new Set(
              Array.from(
                { length: MAX_BINS - 1 },
                (_, k) => sorted[Math.floor(((k + 1) * x.length) / MAX_BINS)],
              ),
            ),
          ];
    bins = edges.length + 1;
    bin = Uint16Array.from(x, (v) => {
      let lo = 0;
      let hi = edges.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (edges[mid] <= v) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    });
    const sums = new Float64Array(bins);
    const counts = new Float64Array(bins);
    x.forEach((v, i) => {
      sums[bin[i]] += v;
      counts[bin[i]]++;
    });
    rep = sums.map((v, b) => v / counts[b]);
  } else {
    // Missing values are a category of their own ("not set" can matter as much as any value).
    const codes = new Map<string, number>();
    bin = Uint16Array.from(raw, (v) => {
      const k = v === undefined ? '\u0000missing' : JSON.stringify(v);
      if (!codes.has(k)) codes.set(k, Math.min(codes.size, 65535));
      return codes.get(k)!;
    });
    bins = Math.min(codes.size, 65536);
  }
  const constant = bin.every((v) => v === bin[0]);
  return {
    name: spec.name,
    kind: numeric ? (log ? 'log' : 'numeric') : 'categorical',
    bin,
    bins,
    rep,
    constant,
  };
}

interface Split {
  gain: number;
  f: number;
  goesLeft: Uint8Array;
}

/** The best split of `idx` on feature `f` by squared-error reduction, or null. */
function bestSplit(feat: Feature, fi: number, y: Float64Array, idx: number[], minLeaf: number): Split | null {
  const sum = new Float64Array(feat.bins);
  const cnt = new Float64Array(feat.bins);
  let total = 0;
  let total2 = 0;
  for (const i of idx) {
    sum[feat.bin[i]] += y[i];
    cnt[feat.bin[i]]++;
    total += y[i];
    total2 += y[i] * y[i];
  }
  const present: number[] = [];
  for (let b = 0; b < feat.bins; b++) if (cnt[b] > 0) present.push(b);
  if (present.length < 2) return null;
  // Numeric bins in their order; categories by their mean objective in this node, where the best split
  // into two groups is a cut of that order (Breiman et al., CART, for squared error).
  if (feat.kind === 'categorical') present.sort((a, b) => sum[a] / cnt[a] - sum[b] / cnt[b] || a - b);
  const n = idx.length;
  const parentSse = total2 - (total * total) / n;
  let left = 0;
  let nl = 0;
  let best = -1;
  let bestGain = 1e-12 * Math.max(1, Math.abs(parentSse));
  for (let k = 0; k < present.length - 1; k++) {
    left += sum[present[k]];
    nl += cnt[present[k]];
    if (nl < minLeaf || n - nl < minLeaf) continue;
    const right = total - left;
    // Only the between-groups part changes with the cut: maximise it.
    const gain = (left * left) / nl + (right * right) / (n - nl) - (total * total) / n;
    if (gain > bestGain) {
      bestGain = gain;
      best = k;
    }
  }
  if (best < 0) return null;
  const goesLeft = new Uint8Array(feat.bins);
  if (feat.rep) {
    const cut = (feat.rep[present[best]] + feat.rep[present[best + 1]]) / 2;
    for (let b = 0; b < feat.bins; b++) goesLeft[b] = feat.rep[b] <= cut ? 1 : 0;
  } else for (let k = 0; k <= best; k++) goesLeft[present[k]] = 1;
  return { gain: bestGain, f: fi, goesLeft };
}

function grow(
  feats: Feature[],
  y: Float64Array,
  idx: number[],
  rng: Rng,
  mtry: number,
  minLeaf: number,
  depth: number,
): Node {
  let mean = 0;
  for (const i of idx) mean += y[i];
  mean /= idx.length;
  if (idx.length < 2 * minLeaf || depth > 40 || idx.every((i) => y[i] === y[idx[0]]))
    return { leaf: true, value: mean };
  // A random subset of mtry params (partial Fisher–Yates), as random forests do, so that a weak param
  // gets splits of its own rather than always losing to the strongest.
  const order = feats.map((_, i) => i);
  let best: Split | null = null;
  for (let k = 0; k < order.length && (k < mtry || !best); k++) {
    const j = k + rng.int(order.length - k);
    [order[k], order[j]] = [order[j], order[k]];
    const f = order[k];
    if (feats[f].constant) continue;
    const s = bestSplit(feats[f], f, y, idx, minLeaf);
    if (s && (!best || s.gain > best.gain)) best = s;
  }
  if (!best) return { leaf: true, value: mean };
  const { f, goesLeft } = best;
  const l = idx.filter((i) => goesLeft[feats[f].bin[i]] === 1);
  const r = idx.filter((i) => goesLeft[feats[f].bin[i]] !== 1);
  return {
    leaf: false,
    f,
    goesLeft,
    left: grow(feats, y, l, rng, mtry, minLeaf, depth + 1),
    right: grow(feats, y, r, rng, mtry, minLeaf, depth + 1),
  };
}

function predict(node: Node, feats: Feature[], i: number, f = -1, bin = 0): number {
  let n = node;
  while (!n.leaf) n = n.goesLeft[n.f === f ? bin : feats[n.f].bin[i]] === 1 ? n.left : n.right;
  return n.value;
}

function variance(y: Float64Array): number {
  let m = 0;
  for (const v of y) m += v;
  m /= y.length;
  let s = 0;
  for (const v of y) s += (v - m) * (v - m);
  return s / y.length;
}

/** Each param's importance for the objective of `trials` (see the file's comment for the method). */
export function paramImportance(
  specs: ImportanceParamSpec[],
  allTrials: ImportanceTrial[],
  opts: ImportanceOptions = {},
): ImportanceResult {
  const treesN =
    opts.trees ?? Math.max(25, Math.min(100, Math.round(30_000 / Math.max(1, allTrials.length))));
  const minTrials = opts.minTrials ?? 10;
  const minLeaf = opts.minLeaf ?? 2;
  const maxTrials = opts.maxTrials ?? 2000;
  const rng = new Rng(opts.seed ?? 1);
  let trials = allTrials.filter((t) => finite(t.value));
  const given = trials.length;
  if (trials.length > maxTrials) {
    const pick = trials.map((_, i) => i);
    for (let k = 0; k < maxTrials; k++) {
      const j = k + rng.int(pick.length - k);
      [pick[k], pick[j]] = [pick[j], pick[k]];
    }
    trials = pick.slice(0, maxTrials).map((i) => trials[i]);
  }
  const values = trials.map((t) => t.value);
  const positive = values.length > 0 && values.every((v) => v > 0);
  const objectiveScale: ImportanceResult['objectiveScale'] =
    positive && Math.max(...values) / Math.min(...values) > 1000 ? 'log' : 'linear';
  const base = { trials: given, used: trials.length, minTrials, objectiveScale, trees: 0 };
  const feats = specs.map((s) => encode(s, trials));
  const entries = (raw: number[]): ImportanceEntry[] => {
    const pos = raw.reduce((a, r) => a + Math.max(0, r), 0);
    return feats
      .map((f, i) => ({
        name: f.name,
        kind: f.kind,
        raw: raw[i],
        importance: pos > 0 ? Math.max(0, raw[i]) / pos : 0,
        constant: f.constant,
      }))
      .sort((a, b) => b.importance - a.importance || b.raw - a.raw || a.name.localeCompare(b.name));
  };
  if (given < minTrials || !feats.length)
    return { ...base, enough: false, fit: null, params: entries(feats.map(() => 0)) };

  const y = Float64Array.from(values, (v) => (objectiveScale === 'log' ? Math.log(v) : v));
  const varY = variance(y);
  if (!(varY > 0)) return { ...base, enough: true, fit: null, params: entries(feats.map(() => 0)) };

  const n = y.length;
  const mtry = Math.max(1, Math.ceil(feats.length / 2));
  const delta = new Float64Array(feats.length);
  let scored = 0;
  const oobSum = new Float64Array(n);
  const oobCount = new Float64Array(n);
  for (let t = 0; t < treesN; t++) {
    const inBag = new Uint8Array(n);
    const sample: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = rng.int(n);
      sample.push(i);
      inBag[i] = 1;
    }
    const tree = grow(feats, y, sample, rng, mtry, minLeaf, 0);
    const oob: number[] = [];
    for (let i = 0; i < n; i++) if (!inBag[i]) oob.push(i);
    if (oob.length < 2) continue;
    let err = 0;
    for (const i of oob) {
      const p = predict(tree, feats, i);
      oobSum[i] += p;
      oobCount[i]++;
      err += (p - y[i]) ** 2;
    }
    for (let f = 0; f < feats.length; f++) {
      if (feats[f].constant) continue;
      const shuffled = oob.map((i) => feats[f].bin[i]);
      for (let k = shuffled.length - 1; k > 0; k--) {
        const j = rng.int(k + 1);
        [shuffled[k], shuffled[j]] = [shuffled[j], shuffled[k]];
      }
      let errF = 0;
      oob.forEach((i, k) => {
        const p = predict(tree, feats, i, f, shuffled[k]);
        errF += (p - y[i]) ** 2;
      });
      delta[f] += (errF - err) / oob.length;
    }
    scored++;
  }
  let sse = 0;
  let sst = 0;
  let mean = 0;
  for (const v of y) mean += v;
  mean /= n;
  for (let i = 0; i < n; i++) {
    if (!oobCount[i]) continue;
    sse += (oobSum[i] / oobCount[i] - y[i]) ** 2;
    sst += (y[i] - mean) ** 2;
  }
  const raw = [...delta].map((d) => (scored ? d / scored / varY : 0));
  return {
    ...base,
    trees: scored,
    enough: true,
    fit: sst > 0 ? 1 - sse / sst : null,
    params: entries(raw),
  };
}
