import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { aggregateQuestion, type AnswerRow } from './aggregate-answers.ts';
import { loadSubmitted, type ResultsQuery } from './get-results.ts';
import { assertMayReadResults } from './results-access.ts';
import type { QuestionDef } from './scoring.ts';
import { writeXlsx } from './xlsx.ts';

/** One CSV cell: quoted when needed; a leading = + - @ is neutralised (spreadsheet formula injection). */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",;\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const line = (cells: unknown[]) => cells.map(csvCell).join(',');

/** An answer in words: option labels for choices, "row: option" for Likert, the value otherwise. */
export function answerText(q: QuestionDef, value: unknown): string {
  const label = (id: unknown) => q.options.find((o) => o.id === id)?.label ?? String(id);
  if (q.type === 'single') return label(value);
  if (q.type === 'multiple' || q.type === 'ranking') return Array.isArray(value) ? value.map(label).join(' | ') : '';
  if (q.type === 'likert' && value && typeof value === 'object') {
    return Object.entries(value as Record<string, string>).map(([row, opt]) => `${q.settings.rows?.find((r) => r.id === row)?.label ?? row}: ${label(opt)}`).join(' | ');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * CSV of a questionnaire's results (UTF-8 with BOM, comma-separated): 'raw' is
 * one line per answer; 'aggregates' one line per question.
 */
export async function exportResultsCsv(db: Db, ctx: Ctx, id: string, query: ResultsQuery & { kind?: 'raw' | 'aggregates' | undefined }): Promise<{ fileName: string; csv: string }> {
  const table = await buildResultTable(db, ctx, id, query);
  return { fileName: `${table.fileBase}.csv`, csv: `\uFEFF${table.rows.map(line).join('\r\n')}\r\n` };
}

/** The same table as an XLSX workbook (one sheet). */
export async function exportResultsXlsx(db: Db, ctx: Ctx, id: string, query: ResultsQuery & { kind?: 'raw' | 'aggregates' | undefined }): Promise<{ fileName: string; xlsx: Uint8Array }> {
  const table = await buildResultTable(db, ctx, id, query);
  return { fileName: `${table.fileBase}.xlsx`, xlsx: writeXlsx(table.kind === 'raw' ? 'Réponses' : 'Agrégats', table.rows) };
}

/** Rows of the export: the header first. */
async function buildResultTable(db: Db, ctx: Ctx, id: string, query: ResultsQuery & { kind?: 'raw' | 'aggregates' | undefined }): Promise<{ fileBase: string; kind: 'raw' | 'aggregates'; rows: unknown[][] }> {
  assertMayReadResults(ctx);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const data = await loadSubmitted(trx, ctx, id, query);
    const kind = query.kind ?? 'raw';
    const byId = new Map(data.questions.map((q, i) => [q.id, { q, i }]));
    const lines: unknown[][] = [];
    if (kind === 'raw') {
      const cohortIds = [...new Set(data.responses.map((r) => r.cohort_id).filter((x): x is string => !!x))];
      const cohorts = new Map(cohortIds.length ? (await trx.selectFrom('cohorts').select(['id', 'name']).where('id', 'in', cohortIds).execute()).map((c) => [c.id, c.name]) : []);
      const responses = new Map(data.responses.map((r, i) => [r.id, { r, n: i + 1 }]));
      lines.push(['response', 'cohort', 'submitted_on', 'question_number', 'question', 'type', 'answer', 'score', 'max_score', 'response_score', 'response_max_score', 'passed']);
      const sorted = [...data.answers].sort((a, b) => responses.get(a.response_id)!.n - responses.get(b.response_id)!.n || (byId.get(a.question_id)?.i ?? 0) - (byId.get(b.question_id)?.i ?? 0));
      for (const a of sorted) {
        const { r, n } = responses.get(a.response_id)!;
        const { q, i } = byId.get(a.question_id)!;
        lines.push([n, r.cohort_id ? (cohorts.get(r.cohort_id) ?? '') : '', r.submitted_at?.toISOString().slice(0, 10) ?? '', i + 1, q.prompt, q.type, answerText(q, a.value), a.score, a.max_score, r.score, r.max_score, r.passed === null ? '' : r.passed ? 'yes' : 'no']);
      }
    } else {
      const grouped = new Map<string, AnswerRow[]>();
      for (const a of data.answers) {
        const list = grouped.get(a.question_id);
        if (list) list.push(a);
        else grouped.set(a.question_id, [a]);
      }
      lines.push(['question_number', 'question', 'type', 'answered', 'mean', 'median', 'success_rate', 'mean_score_rate', 'nps', 'distribution']);
      data.questions.forEach((q, i) => {
        const agg = aggregateQuestion(q, grouped.get(q.id) ?? []);
        lines.push([i + 1, q.prompt, q.type, agg.answered, agg.mean, agg.median, agg.successRate, agg.meanScoreRate, agg.nps?.score ?? '', agg.distribution.map((d) => `${d.label}: ${d.count}`).join(' | ')]);
      });
    }
    const slug = data.loaded.questionnaire.title.normalize('NFKD').replace(/[^\w]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'questionnaire';
    return { fileBase: `${slug}-${kind}`, kind, rows: lines };
  });
}
