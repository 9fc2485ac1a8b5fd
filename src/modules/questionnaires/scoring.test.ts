import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnswerProblem, normaliseAnswer, type QuestionDef, scoreAnswer, scoreResponse, visibleQuestionIds } from './scoring.ts';
import { findPublishProblems } from './validate-questionnaire.ts';

const base = { prompt: 'Q', required: false, settings: {}, displayIf: null, points: 0, skills: [] as string[] };
const single: QuestionDef = { ...base, id: 'q1', type: 'single', points: 2, skills: ['sql'], options: [{ id: 'a', label: 'A', correct: true }, { id: 'b', label: 'B' }, { id: 'c', label: 'C' }] };
const multiple: QuestionDef = { ...base, id: 'q2', type: 'multiple', points: 3, skills: ['sql', 'http'], options: [{ id: 'a', label: 'A', correct: true }, { id: 'b', label: 'B', correct: true }, { id: 'c', label: 'C' }, { id: 'd', label: 'D' }] };
const number: QuestionDef = { ...base, id: 'q3', type: 'number', points: 1, options: [], settings: { correctNumber: 3.14, tolerance: 0.01 } };
const ranking: QuestionDef = { ...base, id: 'q4', type: 'ranking', points: 4, options: [{ id: 'x', label: 'X' }, { id: 'y', label: 'Y' }, { id: 'z', label: 'Z' }, { id: 'w', label: 'W' }], settings: { correctOrder: ['x', 'y', 'z', 'w'], partialCredit: true } };

describe('quiz scoring (server side)', () => {
  test('single choice is all or nothing', () => {
    assert.equal(scoreAnswer(single, 'a'), 2);
    assert.equal(scoreAnswer(single, 'b'), 0);
  });

  test('multiple choice: partial credit (correct − wrong) / correct, floored at 0; all-or-nothing by setting', () => {
    assert.equal(scoreAnswer(multiple, ['a', 'b']), 3);
    assert.equal(scoreAnswer(multiple, ['a']), 1.5);
    assert.equal(scoreAnswer(multiple, ['a', 'c']), 0);
    assert.equal(scoreAnswer(multiple, ['a', 'b', 'c']), 1.5);
    assert.equal(scoreAnswer(multiple, ['c', 'd']), 0, 'floored at 0, never negative');
    const strict = { ...multiple, settings: { scoring: 'all_or_nothing' as const } };
    assert.equal(scoreAnswer(strict, ['a']), 0);
    assert.equal(scoreAnswer(strict, ['b', 'a']), 3);
  });

  test('number within tolerance; ranking exact or partial', () => {
    assert.equal(scoreAnswer(number, 3.145), 1);
    assert.equal(scoreAnswer(number, 3.2), 0);
    assert.equal(scoreAnswer(ranking, ['x', 'y', 'z', 'w']), 4);
    assert.equal(scoreAnswer(ranking, ['x', 'y', 'w', 'z']), 2);
    assert.equal(scoreAnswer({ ...ranking, settings: { correctOrder: ['x', 'y', 'z', 'w'] } }, ['x', 'y', 'w', 'z']), 0);
  });

  test('a response: total, percent, passing score and per-skill scores', () => {
    const s = scoreResponse([single, multiple, number], new Map<string, unknown>([['q1', 'a'], ['q2', ['a']], ['q3', 9]]), 60);
    assert.equal(s.score, 3.5);
    assert.equal(s.maxScore, 6);
    assert.equal(s.percent, 58.33);
    assert.equal(s.passed, false);
    assert.deepEqual(s.perSkill, { sql: { score: 3.5, max: 5 }, http: { score: 1.5, max: 3 } });
  });

  test('answers are checked against their own question: foreign option ids are refused', () => {
    assert.throws(() => normaliseAnswer(single, 'zz'), (e: unknown) => e instanceof AnswerProblem && e.kind === 'unknown_option');
    assert.throws(() => normaliseAnswer(multiple, ['a', 'a']), AnswerProblem);
    assert.throws(() => normaliseAnswer({ ...base, id: 'n', type: 'nps', options: [] }, 11), AnswerProblem);
    assert.throws(() => normaliseAnswer({ ...base, id: 'd', type: 'date', options: [] }, '2026-02-30'), AnswerProblem);
    assert.deepEqual(normaliseAnswer(ranking, ['w', 'z', 'y', 'x']), ['w', 'z', 'y', 'x']);
    assert.throws(() => normaliseAnswer(ranking, ['w', 'z']), AnswerProblem);
  });

  test('conditional display follows the respondent’s own earlier answers, transitively', () => {
    const q2 = { ...base, id: 'c2', type: 'long_text' as const, options: [], displayIf: { questionId: 'q1', operator: 'equals' as const, value: 'b' } };
    const q3 = { ...base, id: 'c3', type: 'short_text' as const, options: [], displayIf: { questionId: 'c2', operator: 'answered' as const } };
    assert.deepEqual([...visibleQuestionIds([single, q2, q3], new Map([['q1', 'a'], ['c2', 'x']]))], ['q1']);
    assert.deepEqual([...visibleQuestionIds([single, q2, q3], new Map([['q1', 'b'], ['c2', 'x']]))], ['q1', 'c2', 'c3']);
  });

  test('publish validation: duplicate option ids, forward conditions, quiz without answer', () => {
    const dup = { ...single, id: 'd1', options: [{ id: 'a', label: 'A', correct: true }, { id: 'a', label: 'B' }] };
    const forward = { ...base, id: 'f1', type: 'short_text' as const, options: [], displayIf: { questionId: 'later', operator: 'answered' as const } };
    const later = { ...base, id: 'later', type: 'short_text' as const, options: [] };
    const noAnswer = { ...single, id: 'n1', options: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }] };
    const problems = findPublishProblems('quiz', [dup, forward, later, noAnswer], 0).map((p) => p.path);
    assert.deepEqual(problems, ['questions.0.options (d1)', 'questions.1.displayIf.questionId (f1)', 'questions.3 (n1)']);
    assert.deepEqual(findPublishProblems('quiz', [single, multiple, number, ranking], 0), []);
  });
});
