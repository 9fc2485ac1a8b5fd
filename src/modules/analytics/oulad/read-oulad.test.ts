import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { AppError } from '../../../platform/errors/app-error.ts';
import { buildFeatureSchema, findRecordedSources } from '../features/feature-schema.ts';
import { filterOuladPresentations } from './filter-oulad.ts';
import { buildSequenceDataset, splitByProgramRun, stepStatus } from './oulad-sequences.ts';
import { readOuladDataset, TMA_GRADING_DAYS } from './read-oulad.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'emarge-oulad-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const write = (d: string, files: Record<string, string>): void => {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(d, name), name.endsWith('.gz') ? gzipSync(text) : text);
};

// Two presentations; clicks only for AAA-2013J.
const source = path.join(dir, 'all');
const files = {
  'courses.csv': 'code_module,code_presentation,module_presentation_length\nAAA,2013J,70\nBBB,2014B,63\n',
  'assessments.csv': 'code_module,code_presentation,id_assessment,assessment_type,date,weight\nAAA,2013J,1,TMA,10,50\nAAA,2013J,2,Exam,,50\nBBB,2014B,3,CMA,20,100\n',
  'studentInfo.csv': [
    'code_module,code_presentation,id_student,gender,region,highest_education,imd_band,age_band,num_of_prev_attempts,studied_credits,disability,final_result',
    'AAA,2013J,1,M,Wales,HE Qualification,20-30%,35-55,1,120,N,Pass',
    'AAA,2013J,2,F,Wales,A Level or Equivalent,,0-35,0,60,Y,Withdrawn',
    'AAA,2013J,3,F,Wales,A Level or Equivalent,10-20,0-35,0,60,N,Withdrawn',
    'BBB,2014B,4,M,Scotland,No Formal quals,0-10%,0-35,0,60,N,Fail',
  ].join('\n') + '\n',
  'studentRegistration.csv': 'code_module,code_presentation,id_student,date_registration,date_unregistration\nAAA,2013J,1,-30,\nAAA,2013J,2,-10,20\nAAA,2013J,3,-5,\nBBB,2014B,4,3,\n',
  'studentAssessment.csv': 'id_assessment,id_student,date_submitted,is_banked,score\n1,1,9,0,70\n3,4,25,0,?\n',
  'vle.csv': 'id_site,code_module,code_presentation,activity_type,week_from,week_to\n9,AAA,2013J,resource,,\n',
  'studentVle.csv.gz': 'code_module,code_presentation,id_student,id_site,date,sum_click\nAAA,2013J,1,9,-3,4\nAAA,2013J,1,9,-3,2\nAAA,2013J,2,9,1,5\n',
};

describe('OULAD adapter', () => {
  mkdirSync(source, { recursive: true });
  write(source, files);

  it('maps registrations to timelines, keeping demographics apart', () => {
    const d = readOuladDataset(source);
    assert.deepEqual(d.presentations, ['2013J', '2014B']);
    assert.deepEqual(d.excluded, [{ reason: 'withdrawn without a withdrawal date', count: 1 }]);
    assert.equal(d.learners.length, 3);
    const [a, b, c] = d.learners;
    assert.equal(a!.timeline.priorAttempts, 1);
    assert.equal(a!.timeline.concurrentLoad, 2);
    assert.deepEqual(a!.timeline.assessments![0], { kind: 'assignment', dueDay: 10, submittedDay: 9, score: 70, gradedDay: 9 + TMA_GRADING_DAYS, weight: 50 });
    assert.deepEqual(a!.timeline.assessments![1], { kind: 'exam', dueDay: null, submittedDay: null, score: null, gradedDay: null, weight: 50 });
    assert.deepEqual(a!.timeline.activity, [{ day: -3, count: 6 }]);
    assert.deepEqual(b!.outcome, { withdrawnDay: 20 });
    assert.equal(b!.audit.imd_band, 'unknown');
    // Clicks are not recorded for BBB-2014B: null, not an empty list.
    assert.equal(c!.timeline.activity, null);
    assert.deepEqual(c!.timeline.assessments![0], { kind: 'quiz', dueDay: 20, submittedDay: 25, score: null, gradedDay: 25, weight: 100 });
    assert.equal(JSON.stringify(a!.timeline).includes('Wales'), false);
    assert.deepEqual(findRecordedSources(d.learners.map((l) => l.timeline)).sort(), ['activity', 'assessments']);
  });

  it('labels each week with only what was known then', () => {
    const d = readOuladDataset(source);
    const withdrawn = d.learners[1]!; // unregistered on day 20
    assert.equal(stepStatus(withdrawn, 2), 'counted'); // cut-off day 14
    assert.equal(stepStatus(withdrawn, 3), 'already_withdrawn'); // cut-off day 21
    assert.equal(stepStatus(d.learners[2]!, 0), 'not_enrolled'); // registered on day 3
    assert.equal(stepStatus(d.learners[0]!, 10), 'program_ended');
    const schema = buildFeatureSchema(['assessments', 'activity'], 6);
    const ds = buildSequenceDataset(d.learners, schema);
    assert.deepEqual([...ds.mask.subarray(6, 12)], [1, 1, 1, 0, 0, 0]);
    assert.deepEqual([...ds.y.subarray(6, 12)], [1, 1, 1, 0, 0, 0]);
    assert.deepEqual([...ds.y.subarray(0, 6)], [0, 0, 0, 0, 0, 0]);
  });

  it('filters presentations into disjoint folders, and splits validation by program run', () => {
    const train = path.join(dir, 'train'), test = path.join(dir, 'test');
    filterOuladPresentations(source, train, ['2013J']);
    filterOuladPresentations(source, test, ['2014B']);
    assert.deepEqual(readOuladDataset(train).presentations, ['2013J']);
    const t = readOuladDataset(test);
    assert.deepEqual(t.presentations, ['2014B']);
    assert.equal(t.learners[0]!.timeline.assessments![0]!.submittedDay, 25);
    const all = readOuladDataset(source).learners;
    const split = splitByProgramRun(all, 0.2, 1);
    assert.deepEqual(split.validationRuns, ['BBB-2014B']); // the most recent run
    assert.equal(split.train.length + split.validation.length, all.length);
  });

  it('refuses a folder with a missing file or column', () => {
    const broken = path.join(dir, 'broken');
    mkdirSync(broken);
    write(broken, { ...files, 'studentInfo.csv': 'code_module,code_presentation\nAAA,2013J\n' });
    assert.throws(() => readOuladDataset(broken), (e) => e instanceof AppError && /studentInfo\.csv: missing column\(s\) id_student/.test(e.message));
    assert.throws(() => readOuladDataset(path.join(dir, 'nowhere')), /not found/);
  });
});
