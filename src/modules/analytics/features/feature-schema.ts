/**
 * The feature schema of a model: which features (by name, in order) over how
 * many weekly steps. Stored in the model artifact; inference refuses inputs
 * built with another schema.
 */
import type { LearnerTimeline } from './learner-timeline.ts';
import { buildWeeklyFeatures, FEATURE_COUNT, FEATURE_DEFINITIONS, type FeatureSource } from './weekly-features.ts';

export const FEATURE_SCHEMA_VERSION = 1;

/**
 * Attributes protected against discrimination. They are never model inputs:
 * they only serve fairness audits. Any feature whose name mentions one is
 * refused by `buildFeatureSchema`.
 */
export const PROTECTED_ATTRIBUTES = ['gender', 'sex', 'age', 'age_band', 'disability', 'region', 'imd', 'imd_band', 'deprivation', 'education', 'highest_education', 'ethnicity', 'nationality', 'religion'] as const;

export interface FeatureSchema {
  version: number;
  /** Weekly steps: step 0 is before the start, step k ends on day 7k. */
  steps: number;
  sources: FeatureSource[];
  /** Feature names in input order. */
  features: string[];
}

const ALWAYS: FeatureSource[] = ['program', 'engagement'];

/** True when a feature name mentions a protected attribute (as a whole word part). */
export function mentionsProtectedAttribute(name: string): boolean {
  const parts = name.toLowerCase().split(/[^a-z]+/);
  const joined = `_${parts.join('_')}_`;
  return PROTECTED_ATTRIBUTES.some((p) => joined.includes(`_${p}_`));
}

/**
 * The schema of the recorded sources' features; `withAll` also takes the
 * features that are not model inputs by default (FeatureDefinition.modelInput).
 */
export function buildFeatureSchema(sources: Iterable<FeatureSource>, steps: number, options: { withAll?: boolean } = {}): FeatureSchema {
  const wanted = new Set<FeatureSource>([...ALWAYS, ...sources]);
  const features = FEATURE_DEFINITIONS.filter((f) => wanted.has(f.source) && (options.withAll || f.modelInput !== false)).map((f) => f.name);
  for (const name of features) {
    if (mentionsProtectedAttribute(name)) throw new Error(`Feature "${name}" names a protected attribute; protected attributes are never model inputs`);
  }
  const order: FeatureSource[] = ['program', 'attendance', 'assessments', 'activity', 'satisfaction', 'engagement'];
  return { version: FEATURE_SCHEMA_VERSION, steps, sources: order.filter((s) => wanted.has(s)), features };
}

/** The optional sources recorded for at least one learner: the others are left out of the schema. */
export function findRecordedSources(timelines: Iterable<LearnerTimeline>): FeatureSource[] {
  const found = new Set<FeatureSource>();
  for (const t of timelines) {
    if (t.attendance) found.add('attendance');
    if (t.assessments) found.add('assessments');
    if (t.activity) found.add('activity');
    if (t.satisfaction) found.add('satisfaction');
  }
  return [...found];
}

export function sameSchema(a: FeatureSchema, b: FeatureSchema): boolean {
  return a.version === b.version && a.steps === b.steps && a.features.length === b.features.length && a.features.every((f, i) => f === b.features[i]);
}

/**
 * Builds the input tensor data of many learners under a schema:
 * [learners, steps, features] row-major.
 */
export function buildFeatureMatrix(timelines: readonly LearnerTimeline[], schema: FeatureSchema): Float32Array {
  const columns = schema.features.map((name) => FEATURE_DEFINITIONS.findIndex((f) => f.name === name));
  const missing = schema.features.filter((_, i) => columns[i]! < 0);
  if (missing.length) throw new Error(`Unknown features in schema: ${missing.join(', ')}`);
  const f = columns.length;
  const out = new Float32Array(timelines.length * schema.steps * f);
  timelines.forEach((t, n) => {
    const raw = buildWeeklyFeatures(t, schema.steps);
    for (let s = 0; s < schema.steps; s++) {
      const src = s * FEATURE_COUNT;
      const dst = (n * schema.steps + s) * f;
      for (let j = 0; j < f; j++) out[dst + j] = raw[src + columns[j]!]!;
    }
  });
  return out;
}
