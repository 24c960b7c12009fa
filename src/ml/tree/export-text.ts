/**
 * Text rules for a fitted tree, character-for-character the format of sklearn.tree.export_text
 * (`|--- feature_2 <= 2.45`, `|   |--- class: 0`, regression leaves as `value: [1.23]`).
 */
import { invalidArgument } from '../../core/errors.js';
import { type TreeArrays } from './cart.js';

export interface ExportTextOptions {
  /** Names per feature. Default feature_0, feature_1, … */
  featureNames?: string[];
  /** Classifier only: names per class (default: the class labels). */
  classNames?: string[];
  /** Deeper branches are summarised as "truncated branch of depth N". Default 10. */
  maxDepth?: number;
  /** Spaces per level. Default 3. */
  spacing?: number;
  /** Digits after the decimal point. Default 2. */
  decimals?: number;
  /** Show class counts in classifier leaves. Default false. */
  showWeights?: boolean;
}

export function exportText(t: TreeArrays, o: ExportTextOptions = {}): string {
  const spacing = o.spacing ?? 3;
  const decimals = o.decimals ?? 2;
  const maxDepth = o.maxDepth ?? 10;
  const classification = o.classNames !== undefined;
  const nf = t.importance.length;
  if (o.featureNames && o.featureNames.length !== nf) throw invalidArgument(`featureNames must have ${nf} names, got ${o.featureNames.length}`);
  if (spacing <= 0 || decimals < 0 || maxDepth < 0) throw invalidArgument('exportText: spacing must be > 0, decimals and maxDepth ≥ 0');
  const name = (f: number): string => o.featureNames?.[f] ?? `feature_${f}`;
  const fmt = (v: number): string => v.toFixed(decimals);
  const subDepth = (node: number): number => ((t.left[node] as number) < 0 ? 1 : 1 + Math.max(subDepth(t.left[node] as number), subDepth(t.right[node] as number)));
  let report = '';
  const leaf = (node: number, indent: string): void => {
    const value = t.value[node] as number[];
    let val = '';
    if (o.showWeights || !classification) val = `[${value.map(fmt).join(', ')}]`;
    if (classification) {
      let best = 0;
      for (let c = 1; c < value.length; c++) if ((value[c] as number) > (value[best] as number)) best = c;
      val += ` class: ${o.classNames![best]}`;
    }
    report += classification && !o.showWeights ? `${indent}${val}\n` : classification ? `${indent} weights: ${val}\n` : `${indent} value: ${val}\n`;
  };
  const recurse = (node: number, depth: number): void => {
    let indent = ('|' + ' '.repeat(spacing)).repeat(depth);
    indent = indent.slice(0, indent.length - spacing) + '-'.repeat(spacing);
    if (depth <= maxDepth + 1) {
      if ((t.left[node] as number) >= 0) {
        const thr = fmt(t.threshold[node] as number);
        const f = name(t.feature[node] as number);
        report += `${indent} ${f} <= ${thr}\n`;
        recurse(t.left[node] as number, depth + 1);
        report += `${indent} ${f} >  ${thr}\n`;
        recurse(t.right[node] as number, depth + 1);
      } else leaf(node, indent);
    } else {
      const sd = subDepth(node);
      if (sd === 1) leaf(node, indent);
      else report += `${indent} truncated branch of depth ${sd}\n`;
    }
  };
  recurse(0, 1);
  return report;
}
