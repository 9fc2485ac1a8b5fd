/**
 * A trained model as a plain, JSON-serialisable object: everything needed to
 * rebuild it and to know what it is (topology, weights, feature schema and
 * normalisation, calibration, metrics, data window, code version). The
 * database table of model versions stores this object as it is.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../platform/errors/app-error.ts';
import type { FeatureSchema } from '../features/feature-schema.ts';
import type { PlattCalibration } from './calibration.ts';
import { weightSpecs, type SequenceModelConfig } from './sequence-model.ts';

export const ARTIFACT_FORMAT = 'emarge-risk-model';
export const ARTIFACT_FORMAT_VERSION = 1;

export interface SerializedWeight {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Little-endian float32 bytes, base64. */
  data: string;
}

export interface Normalisation {
  mean: number[];
  std: number[];
  /**
   * Features constant over the training data (indices): the model learned
   * nothing about them, so their normalised input is always 0 — a source
   * recorded only after the training data (a questionnaire the organisation
   * started using) cannot move a prediction through weights it never trained.
   */
  constant?: number[];
}

export interface ValidationMetrics {
  auc: number;
  prAuc: number;
  brier: number;
  ece: number;
  /** Brier and ECE of the uncalibrated network, to show what calibration changed. */
  brierUncalibrated: number;
  eceUncalibrated: number;
  n: number;
}

export interface TrainingRecord {
  seed: number;
  backend: string;
  threads: number;
  batchSize: number;
  learningRate: number;
  maxEpochs: number;
  patience: number;
  /** Absent in older artifacts (then 0 and 'pooled'). */
  weightDecay?: number;
  stopOn?: 'pooled' | 'weekly';
  epochsRun: number;
  bestEpoch: number;
  epochSeconds: number[];
  /** CPU seconds of this process per epoch (all its threads): the work done, less sensitive than wall time to other load on the machine. Absent in older artifacts. */
  epochCpuSeconds?: number[];
  trainLoss: number[];
  validationAuc: number[];
  classWeights: { positive: number; negative: number };
  trainSeconds: number;
}

export interface RiskModelArtifact {
  format: typeof ARTIFACT_FORMAT;
  formatVersion: number;
  createdAt: string;
  codeVersion: string;
  /** What the model predicts, in words. */
  target: string;
  topology: SequenceModelConfig;
  weights: SerializedWeight[];
  featureSchema: FeatureSchema;
  normalisation: Normalisation;
  calibration: PlattCalibration;
  /** Decision threshold on the calibrated probability, chosen on validation (max F1). */
  threshold: number;
  metrics: { validation: ValidationMetrics };
  /** Where the training data came from (free-form: presentations, dates, counts). */
  dataWindow: Record<string, unknown>;
  training: TrainingRecord;
}

export function encodeFloat32(data: Float32Array): string {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return Buffer.from(bytes).toString('base64');
}

export function decodeFloat32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4 !== 0) throw new Error('weight data is not a whole number of float32 values');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Checks an object read back (from JSON or the database) before it is used. */
export function parseRiskModelArtifact(value: unknown): RiskModelArtifact {
  const bad = (why: string): never => {
    throw new AppError('bad_request', `Not a valid risk model artifact: ${why}`);
  };
  if (!value || typeof value !== 'object') return bad('not an object');
  const a = value as Partial<RiskModelArtifact>;
  if (a.format !== ARTIFACT_FORMAT) return bad(`format is ${JSON.stringify(a.format)}, expected "${ARTIFACT_FORMAT}"`);
  if (a.formatVersion !== ARTIFACT_FORMAT_VERSION) return bad(`format version ${a.formatVersion} is not supported (expected ${ARTIFACT_FORMAT_VERSION})`);
  if (!a.topology || !a.featureSchema || !a.normalisation || !a.calibration || !Array.isArray(a.weights)) return bad('topology, featureSchema, normalisation, calibration or weights missing');
  if (a.topology.inputSize !== a.featureSchema.features.length) return bad(`topology expects ${a.topology.inputSize} features, schema lists ${a.featureSchema.features.length}`);
  if (a.normalisation.mean.length !== a.topology.inputSize || a.normalisation.std.length !== a.topology.inputSize) return bad('normalisation size differs from the feature count');
  if (a.normalisation.constant !== undefined && (!Array.isArray(a.normalisation.constant) || a.normalisation.constant.some((j) => !Number.isInteger(j) || j < 0 || j >= a.topology!.inputSize))) return bad('normalisation.constant must list feature indices');
  const byName = new Map(a.weights.map((w) => [w.name, w]));
  for (const spec of weightSpecs(a.topology)) {
    const w = byName.get(spec.name);
    if (!w) return bad(`weight ${spec.name} missing`);
    if (w.shape.join('x') !== spec.shape.join('x')) return bad(`weight ${spec.name} has shape ${w.shape.join('x')}, expected ${spec.shape.join('x')}`);
    const expectedBytes = spec.shape.reduce((x, y) => x * y, 1) * 4;
    if (Buffer.from(w.data, 'base64').length !== expectedBytes) return bad(`weight ${spec.name} holds the wrong number of values`);
  }
  return a as RiskModelArtifact;
}

let cachedVersion: string | null = null;

/** package.json version plus the git commit when the code runs from a checkout. */
export function getCodeVersion(): string {
  if (cachedVersion) return cachedVersion;
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // keep 'unknown'
  }
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (sha) version += `+${sha}`;
  } catch {
    // not a git checkout
  }
  cachedVersion = version;
  return version;
}
