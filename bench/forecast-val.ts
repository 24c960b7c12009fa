/**
 * Forecast design choice on validation only (issue 13): runs `lep train --task forecast`'s job for
 * each design on co2-concentration (window 24, horizon 12) and prints the validation figures (the
 * end of the training part, never the held-out tail): the model's MAE at its chosen epoch count,
 * linear AR's and seasonal-naive's. The held-out tail's figures stay in each run's metrics.json,
 * to be read once, after the choice.
 * Usage: npx tsx bench/forecast-val.ts [--designs lstm,lstm-highway,lstm-highway-last] [--out /tmp/fval]
 */
import { join } from 'node:path';
import { runForecastJob, type ForecastJobOptions } from '../src/cli/forecast-job.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const DESIGNS: Record<string, Partial<ForecastJobOptions>> = {
  lstm: { highway: false },
  'lstm-highway': { highway: true, highwayInit: 'uniform' },
  'lstm-highway-last': { highway: true, base: 'last' },
  'lstm-highway-zero': { highway: true, highwayInit: 'zero' },
};
const out = arg('out', '/tmp/forecast-val');
for (const name of arg('designs', Object.keys(DESIGNS).join(',')).split(',')) {
  const { metrics: m } = runForecastJob({
    series: 'node_modules/vega-datasets/data/co2-concentration.csv',
    column: 'CO2',
    window: 24,
    horizon: 12,
    outDir: join(out, name),
    ...DESIGNS[name],
  });
  console.log(JSON.stringify({ design: name, validation: m.validation, seconds: m.seconds }));
}
