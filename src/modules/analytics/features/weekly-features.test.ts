import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFeatureMatrix, buildFeatureSchema, findRecordedSources, mentionsProtectedAttribute, PROTECTED_ATTRIBUTES } from './feature-schema.ts';
import type { LearnerTimeline } from './learner-timeline.ts';
import { buildWeeklyFeatures, FEATURE_COUNT, FEATURE_DEFINITIONS } from './weekly-features.ts';

const base = (over: Partial<LearnerTimeline> = {}): LearnerTimeline => ({
  learnerId: 'l1', programDays: 70, enrolledDay: -14, priorAttempts: 0, concurrentLoad: 1,
  attendance: null, assessments: null, activity: null, satisfaction: null, ...over,
});

const valueAt = (features: Float32Array, step: number, name: string): number => {
  const j = FEATURE_DEFINITIONS.findIndex((f) => f.name === name);
  assert.ok(j >= 0, `unknown feature ${name}`);
  return features[step * FEATURE_COUNT + j]!;
};

describe('weekly feature pipeline', () => {
  it('uses only events dated before the end of each week (no look-ahead)', () => {
    const t = base({ assessments: [{ kind: 'assignment', dueDay: 10, submittedDay: 12, score: 80, gradedDay: 26 }] });
    const f = buildWeeklyFeatures(t, 6);
    // Week 1 ends on day 7: nothing due or submitted yet.
    assert.equal(valueAt(f, 1, 'assessments_due'), 0);
    assert.equal(valueAt(f, 1, 'assessments_submitted'), 0);
    // Week 2 ends on day 14: due on day 10, submitted (late) on day 12, score not yet known.
    assert.equal(valueAt(f, 2, 'assessments_due'), 1);
    assert.equal(valueAt(f, 2, 'assessments_submitted'), 1);
    assert.equal(valueAt(f, 2, 'late_submissions'), 1);
    assert.equal(valueAt(f, 2, 'assessments_missed'), 0);
    assert.equal(valueAt(f, 2, 'score_known'), 0);
    // The score counts from its graded day (26): week 4 (ends day 28).
    assert.equal(valueAt(f, 3, 'score_known'), 0);
    assert.equal(valueAt(f, 4, 'score_known'), 1);
    assert.ok(Math.abs(valueAt(f, 4, 'score_mean') - 0.8) < 1e-6);
    // Two weeks after the submission (day 28 - 12 = 16 days).
    assert.ok(Math.abs(valueAt(f, 4, 'weeks_without_submission') - 16 / 7) < 1e-5);
  });

  it('counts a passed due date without submission as missed', () => {
    const f = buildWeeklyFeatures(base({ assessments: [{ kind: 'quiz', dueDay: 5, submittedDay: null, score: null, gradedDay: null }] }), 3);
    assert.equal(valueAt(f, 0, 'assessments_missed'), 0);
    assert.equal(valueAt(f, 1, 'assessments_missed'), 1);
    assert.equal(valueAt(f, 1, 'missed_share'), 1);
    assert.equal(valueAt(f, 1, 'never_submitted'), 1);
  });

  it('computes attendance, lateness, justified/unjustified absences and streaks', () => {
    const f = buildWeeklyFeatures(base({
      attendance: [
        { day: 0, status: 'present' }, { day: 1, status: 'late', minutesLate: 20 },
        { day: 7, status: 'absent_unjustified' }, { day: 8, status: 'absent_justified' }, { day: 9, status: 'absent_unjustified' },
      ],
    }), 3);
    assert.equal(valueAt(f, 1, 'attendance_recorded'), 1);
    assert.equal(valueAt(f, 1, 'attendance_rate'), 1);
    assert.equal(valueAt(f, 1, 'late_rate'), 0.5);
    assert.equal(valueAt(f, 1, 'minutes_late_mean'), 20);
    assert.ok(Math.abs(valueAt(f, 2, 'attendance_rate') - 2 / 5) < 1e-6);
    assert.equal(valueAt(f, 2, 'attendance_rate_week'), 0);
    assert.equal(valueAt(f, 2, 'unjustified_absences'), 2);
    assert.equal(valueAt(f, 2, 'justified_absences'), 1);
    assert.equal(valueAt(f, 2, 'unjustified_absences_week'), 2);
    assert.equal(valueAt(f, 2, 'absence_streak'), 3);
    assert.equal(valueAt(f, 2, 'days_since_last_activity'), 14 - 1);
  });

  it('flags a source that is not recorded instead of reading it as zero activity', () => {
    const none = buildWeeklyFeatures(base({ activity: null }), 3);
    const empty = buildWeeklyFeatures(base({ activity: [] }), 3);
    assert.equal(valueAt(none, 2, 'activity_recorded'), 0);
    assert.equal(valueAt(empty, 2, 'activity_recorded'), 1);
    assert.equal(valueAt(empty, 2, 'weeks_without_activity'), (14 + 14) / 7); // enrolled 14 days before the start
    assert.equal(valueAt(none, 2, 'weeks_without_activity'), 0);
  });

  it('weighs scores by their share of the final grade, counting each from its graded day', () => {
    const f = buildWeeklyFeatures(base({
      assessments: [
        { kind: 'quiz', dueDay: 3, submittedDay: 2, score: 80, gradedDay: 2, weight: 20 },
        { kind: 'assignment', dueDay: 10, submittedDay: 9, score: 50, gradedDay: 23, weight: 30 },
        { kind: 'questionnaire', dueDay: 12, submittedDay: null, score: null, gradedDay: null, weight: 0 },
      ],
      activity: [{ day: 1, count: 5 }, { day: 15, count: 3 }, { day: 20, count: 4 }],
    }), 5);
    assert.ok(Math.abs(valueAt(f, 1, 'weight_due') - 0.2) < 1e-6);
    assert.ok(Math.abs(valueAt(f, 1, 'points_banked') - 0.16) < 1e-6);
    assert.ok(Math.abs(valueAt(f, 1, 'weighted_score_share') - 0.8) < 1e-6);
    // Week 2: the assignment is due (weight 50 % due) but its score is not known before day 23.
    assert.ok(Math.abs(valueAt(f, 2, 'weight_due') - 0.5) < 1e-6);
    assert.ok(Math.abs(valueAt(f, 2, 'weighted_score_share') - 0.16 / 0.5) < 1e-6);
    assert.equal(valueAt(f, 2, 'assessments_missed'), 1, 'the questionnaire not answered by its date');
    assert.ok(Math.abs(valueAt(f, 4, 'points_banked') - 0.31) < 1e-6);
    // Clicks in the last two weeks before day 21: days 15 and 20 (7), not day 1.
    assert.ok(Math.abs(valueAt(f, 3, 'activity_two_weeks') - Math.log1p(7)) < 1e-6);
    assert.ok(Math.abs(valueAt(f, 3, 'activity_total') - Math.log1p(12)) < 1e-6);
  });

  it('describes program position and enrolment', () => {
    const f = buildWeeklyFeatures(base({ enrolledDay: 7 }), 11);
    assert.equal(valueAt(f, 5, 'program_position'), 0.5);
    assert.equal(valueAt(f, 0, 'program_weeks'), 10);
    assert.equal(valueAt(f, 0, 'enrolled_weeks_before_start'), -1);
  });
});

describe('feature schema', () => {
  it('never contains a protected attribute', () => {
    const schema = buildFeatureSchema(['attendance', 'assessments', 'activity', 'satisfaction'], 10, { withAll: true });
    assert.equal(schema.features.length, FEATURE_COUNT);
    assert.ok(!buildFeatureSchema(['assessments'], 10).features.includes('points_banked'), 'not a model input by default');
    for (const name of schema.features) {
      assert.equal(mentionsProtectedAttribute(name), false, name);
      for (const p of PROTECTED_ATTRIBUTES) assert.ok(!name.split('_').includes(p), `${name} mentions ${p}`);
    }
    // The check itself works.
    assert.equal(mentionsProtectedAttribute('gender'), true);
    assert.equal(mentionsProtectedAttribute('imd_band'), true);
    assert.equal(mentionsProtectedAttribute('learner_age_band'), true);
  });

  it('keeps only the sources recorded in the data, plus program and engagement', () => {
    const sources = findRecordedSources([base({ assessments: [] })]);
    const schema = buildFeatureSchema(sources, 4);
    assert.deepEqual(schema.sources, ['program', 'assessments', 'engagement']);
    assert.ok(!schema.features.includes('attendance_rate'));
    const m = buildFeatureMatrix([base({ assessments: [] }), base()], schema);
    assert.equal(m.length, 2 * 4 * schema.features.length);
  });
});
