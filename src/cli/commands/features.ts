/**
 * `lep features build` (fit the ≤ 256-byte image codec on a dataset, encode it, save a vector
 * index) and `lep features search` (nearest indexed images to an image file). JSON output.
 */
import { statSync } from 'node:fs';
import { type Command } from 'commander';
import { invalidArgument, LeptonError } from '../../core/errors.js';
import { StreamProgress } from '../../core/progress.js';
import { loadDataset } from '../../data/index.js';
import { FeatureCodec, VectorIndex, REDUCE_KINDS, type ReduceKind } from '../../vision/index.js';
import { out, runCommand } from '../output.js';
import { parsePosInt } from '../options.js';

async function build(f: { dataset: string; bytes: string; out: string; limit?: string; fitSamples?: string; seed: string; reduce: string }): Promise<void> {
  const bytes = parsePosInt(f.bytes, '--bytes') as number;
  if (!(REDUCE_KINDS as readonly string[]).includes(f.reduce)) throw invalidArgument(`--reduce must be ${REDUCE_KINDS.join(' or ')}, got ${JSON.stringify(f.reduce)}`);
  const reduce = f.reduce as ReduceKind;
  const limit = parsePosInt(f.limit, '--limit');
  const t0 = performance.now();
  const { train } = loadDataset(f.dataset, limit === undefined ? {} : { limitTrain: limit });
  if (train.shape[0] !== 1) throw invalidArgument(`features need grayscale images; ${f.dataset} has ${train.shape[0]} channels`);
  const [, h, w] = train.shape;
  const progress = new StreamProgress(process.stderr);
  progress.setLabel('features');
  const fitSamples = parsePosInt(f.fitSamples, '--fit-samples');
  const codec = FeatureCodec.fit(train.x, train.n, { width: w, height: h, bytes, reduce, ...(reduce === 'lda' && { labels: train.y }), seed: Number(f.seed) || 0, progress, ...(fitSamples && { fitSamples }) });
  const codes = codec.encode(train.x, train.n, progress);
  progress.finish(`encoded ${train.n} images`);
  const index = new VectorIndex(codec.quantizer, { codec: codec.toJSON(), dataset: f.dataset, labels: Array.from(train.y), classNames: train.labels });
  index.add(codes);
  index.save(f.out);
  out.json({
    index: f.out,
    dataset: f.dataset,
    images: index.size,
    reduce,
    bytesPerImage: codec.codeBytes,
    budget: bytes,
    dims: codec.dims,
    fileBytes: statSync(f.out).size,
    seconds: (performance.now() - t0) / 1000,
  });
}

async function search(f: { index: string; image: string; k: string }): Promise<void> {
  const k = parsePosInt(f.k, '--k') as number;
  const index = VectorIndex.load(f.index);
  const meta = index.meta as { codec?: unknown; labels?: unknown; classNames?: unknown };
  if (!meta.codec) throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${f.index}: the index carries no codec (not built by lep features build)`);
  const codec = FeatureCodec.fromJSON(meta.codec);
  if (codec.dims !== index.dims) throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${f.index}: codec and index dimensions differ`);
  const t0 = performance.now();
  const q = await codec.embedImage(f.image);
  const hits = index.search(q, k)[0] ?? [];
  const labels = Array.isArray(meta.labels) ? (meta.labels as number[]) : [];
  const names = Array.isArray(meta.classNames) ? (meta.classNames as string[]) : [];
  out.json({
    image: f.image,
    k,
    searchedImages: index.size,
    milliseconds: performance.now() - t0,
    hits: hits.map((h) => {
      const label = labels[h.id];
      return { id: h.id, distance: h.distance, ...(label !== undefined && { label, className: names[label] ?? String(label) }) };
    }),
  });
}

export function register(program: Command): void {
  const cmd = program.command('features').description('compact image features (≤ 256 bytes: HOG → PCA or LDA → int8) and similarity search');
  cmd
    .command('build')
    .description('fit the codec on a dataset, encode every training image and save a vector index')
    .requiredOption('--dataset <name>', 'mnist | mnist-small | fashion-mnist')
    .option('--bytes <n>', 'byte budget per image', '256')
    .requiredOption('--out <file>', 'index file to write')
    .option('--limit <n>', 'index only the first N training images')
    .option('--fit-samples <n>', 'images used to fit the reduction and the quantiser (default 10000)')
    .option('--reduce <kind>', 'pca (directions of most variance, up to --bytes) | lda (class-separating directions, at most classes − 1 bytes)', 'pca')
    .option('--seed <n>', 'sampling seed', '0')
    .action((flags) => runCommand(() => build(flags)));
  cmd
    .command('search')
    .description('find the k indexed images nearest to an image file')
    .requiredOption('--index <file>', 'index from lep features build')
    .requiredOption('--image <file>', 'PNG/JPEG/WebP image')
    .option('--k <n>', 'neighbours to return', '5')
    .action((flags) => runCommand(() => search(flags)));
}
