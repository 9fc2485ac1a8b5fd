import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getModelRuntime } from '../../modules/analytics/engine/model-runtime.ts';
import { ARCHITECTURES, type Architecture } from '../../modules/analytics/engine/sequence-model.ts';
import { runOuladBench } from '../../modules/analytics/oulad/run-oulad-bench.ts';
import { runTrain } from './ml-train.ts';

const USAGE = `Usage: emarge ml train --org SLUG [--epochs N] [--seed N]   (see emarge ml train --help)
       emarge ml bench oulad --train DIR --test DIR [options]

Trains the withdrawal-risk model on the OULAD presentations in --train and
evaluates it on those in --test (folders in the OULAD file layout, holding
different presentations), predicting at given weeks with only what was known
by then.

Options:
  --train DIR            training folder (OULAD layout)
  --test DIR             test folder (OULAD layout, other presentations)
  --json FILE            write the results as JSON
  --weeks 4,8,12,20      weeks of prediction
  --arch gru             architecture(s): ${ARCHITECTURES.join(', ')}; a comma list compares them on validation
  --seed 42              random seed (same seed, same model)
  --epochs 30            maximum epochs (early stopping on validation)
  --batch-size 256
  --threads N            wasm backend threads (default EMARGE_ML_THREADS or 1)
  --export DIR           write the normalised feature tensors for bench/baselines.py
  --quiet                no progress lines`;

export async function run(args: string[]): Promise<number> {
  if (args[0] === 'train') return runTrain(args.slice(1));
  const [sub, target, ...rest] = args;
  if (sub !== 'bench' || target !== 'oulad') {
    console.error(USAGE);
    return sub === '--help' || sub === '-h' ? 0 : 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        train: { type: 'string' }, test: { type: 'string' }, json: { type: 'string' }, weeks: { type: 'string' },
        arch: { type: 'string' }, seed: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
        threads: { type: 'string' }, export: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.train || !values.test) {
    console.error(`--train and --test are required.\n\n${USAGE}`);
    return 2;
  }
  const int = (v: string | undefined, name: string, fallback: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer (got "${v}")`);
    return n;
  };
  let weeks: number[], architectures: Architecture[], seed: number, maxEpochs: number, batchSize: number, threads: number | undefined;
  try {
    weeks = (values.weeks ?? '4,8,12,20').split(',').map((w) => int(w.trim(), 'weeks', 0));
    architectures = (values.arch ?? 'gru').split(',').map((a) => a.trim() as Architecture);
    const unknown = architectures.filter((a) => !ARCHITECTURES.includes(a));
    if (unknown.length) throw new RangeError(`--arch: unknown architecture(s) ${unknown.join(', ')} (expected ${ARCHITECTURES.join(', ')})`);
    seed = int(values.seed, 'seed', 42);
    maxEpochs = int(values.epochs, 'epochs', 30);
    batchSize = int(values['batch-size'], 'batch-size', 256);
    threads = values.threads === undefined ? undefined : int(values.threads, 'threads', 1);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const runtime = await getModelRuntime({ threads });
  const log = values.quiet ? undefined : (line: string) => console.error(line);
  log?.(`runtime: ${runtime.backend}, SIMD ${runtime.simd ? 'on' : 'off'}, ${runtime.threads} thread(s)`);
  const result = await runOuladBench(runtime, {
    trainDir: values.train, testDir: values.test, weeks, architectures, seed, exportDir: values.export,
    train: { maxEpochs, batchSize }, log,
  });
  const table = ['week  n_test  AUC     PR-AUC  F1      Brier   ECE', ...result.weeks.map((w) =>
    `${String(w.week).padEnd(5)} ${String(w.n_test).padEnd(7)} ${w.auc.toFixed(4)}  ${w.pr_auc.toFixed(4)}  ${w.f1.toFixed(4)}  ${w.brier.toFixed(4)}  ${w.ece.toFixed(4)}`)];
  console.log(table.join('\n'));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
