/**
 * `emarge ml bench oulad` end to end, as a user runs it: a real child process
 * on folders in the OULAD layout — a training folder and a test folder holding
 * a presentation the model never saw (and a module it never saw). The data is
 * a small simulation written in that layout (learners who will withdraw stop
 * submitting a few weeks before), so the run takes seconds; the real data set
 * is benchmarked by `npm run bench:risk`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRandom } from '../engine/random.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'emarge-oulad-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LENGTH = 210;
const DUE = [20, 45, 75, 110, 150, 185];

/** Writes presentations (`module-presentation`) of `learners` each into `folder`, in the OULAD layout. */
function writeOulad(folder: string, runs: string[], learners: number, seed: number): void {
  const random = createRandom(seed);
  mkdirSync(folder, { recursive: true });
  const courses = ['code_module,code_presentation,module_presentation_length'];
  const assessments = ['code_module,code_presentation,id_assessment,assessment_type,date,weight'];
  const info = ['code_module,code_presentation,id_student,gender,region,highest_education,imd_band,age_band,num_of_prev_attempts,studied_credits,disability,final_result'];
  const registrations = ['code_module,code_presentation,id_student,date_registration,date_unregistration'];
  const submissions = ['id_assessment,id_student,date_submitted,is_banked,score'];
  let assessmentId = seed * 1000, studentId = seed * 100_000;
  for (const run of runs) {
    const [module, presentation] = run.split('-') as [string, string];
    courses.push(`${module},${presentation},${LENGTH}`);
    const ids = DUE.map((day) => {
      assessments.push(`${module},${presentation},${++assessmentId},TMA,${day},${Math.round(100 / DUE.length)}`);
      return { id: assessmentId, day };
    });
    for (let i = 0; i < learners; i++) {
      const student = ++studentId;
      const withdraws = random.next() < 0.3;
      const withdrawDay = withdraws ? 25 + Math.floor(random.next() * 150) : null;
      // Those who will withdraw stop submitting about three weeks before, and score lower meanwhile.
      const stopsAt = withdrawDay === null ? Infinity : withdrawDay - 21;
      const gender = random.next() < 0.5 ? 'F' : 'M';
      info.push(`${module},${presentation},${student},${gender},Wales,A Level or Equivalent,20-30%,0-35,${random.next() < 0.1 ? 1 : 0},${random.next() < 0.2 ? 120 : 60},N,${withdraws ? 'Withdrawn' : 'Pass'}`);
      registrations.push(`${module},${presentation},${student},${-Math.floor(random.next() * 60)},${withdrawDay ?? ''}`);
      for (const a of ids) {
        if (a.day >= stopsAt || random.next() < 0.05) continue;
        const score = Math.round(Math.min(100, Math.max(0, (withdraws ? 50 : 70) + random.normal() * 12)));
        submissions.push(`${a.id},${student},${a.day - Math.floor(random.next() * 5)},0,${score}`);
      }
    }
  }
  const files: Record<string, string[]> = { 'courses.csv': courses, 'assessments.csv': assessments, 'studentInfo.csv': info, 'studentRegistration.csv': registrations, 'studentAssessment.csv': submissions };
  for (const [name, lines] of Object.entries(files)) writeFileSync(path.join(folder, name), `${lines.join('\n')}\n`);
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [path.join(ROOT, 'bin', 'emarge.js'), 'ml', 'bench', 'oulad', ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('emarge ml bench oulad', () => {
  const train = path.join(dir, 'train'), test = path.join(dir, 'test'), json = path.join(dir, 'result.json');
  before(() => {
    writeOulad(train, ['AAA-2013B', 'AAA-2013J', 'BBB-2013B', 'BBB-2013J'], 90, 1);
    writeOulad(test, ['AAA-2014B', 'CCC-2014B'], 90, 2); // CCC: a module absent from training
  });

  it('trains on one folder, evaluates on presentations it never saw, and writes the figures per week', async () => {
    const run = await cli(['--train', train, '--test', test, '--json', json, '--epochs', '6', '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^week\s+n_test\s+AUC/m);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(result.weeks.map((w: { week: number }) => w.week), [4, 8, 12, 20]);
    for (const w of result.weeks) {
      for (const key of ['auc', 'pr_auc', 'f1', 'brier']) assert.ok(Number.isFinite(w[key]) && w[key] >= 0 && w[key] <= 1, `week ${w.week} ${key}: ${w[key]}`);
      assert.ok(w.n_test > 0 && w.n_test <= 180, `week ${w.week}: n_test ${w.n_test}`);
    }
    // Learners who stop submitting are told apart once their silence shows (the simulation's only signal).
    const week12 = result.weeks.find((w: { week: number }) => w.week === 12);
    assert.ok(week12.auc > 0.7, `AUC at week 12: ${week12.auc}`);
    assert.deepEqual(result.data.testPresentations, ['2014B']);
    assert.deepEqual(result.data.trainPresentations, ['2013B', '2013J']);
    // Demographics are audited, never inputs.
    assert.ok(!result.data.featureSchema.features.some((f: string) => /gender|region|imd|age|disab/.test(f)));
    assert.ok(Array.isArray(result.fairness_audit['8']));
  });

  it('refuses a test folder holding a presentation it trains on, and a missing folder argument, with a message', async () => {
    const overlap = await cli(['--train', train, '--test', train, '--quiet']);
    assert.notEqual(overlap.code, 0);
    assert.match(overlap.stderr, /also in the training folder: 2013B, 2013J/);
    const missing = await cli(['--train', train]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--train and --test are required/);
  });
});
