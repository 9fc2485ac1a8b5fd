import type { z } from 'zod';
import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { csvCell } from './export-results.ts';
import type { improvementActionExportQuerySchema } from './questionnaires.schemas.ts';
import { listImprovementActions } from './record-improvement-action.ts';

const HEADERS = {
  fr: ['créée le', 'unité', 'nom', 'indicateur', 'constat', 'action', 'responsable', 'échéance', 'statut', 'close le', 'résultat'],
  en: ['created at', 'unit', 'name', 'metric', 'finding', 'action', 'owner', 'due on', 'status', 'closed at', 'outcome'],
} as const;
const WORDS = {
  fr: { cohort: 'cohorte', module: 'module', success: 'réussite', satisfaction: 'satisfaction', open: 'ouverte', in_progress: 'en cours', done: 'close' },
  en: { cohort: 'cohort', module: 'module', success: 'success', satisfaction: 'satisfaction', open: 'open', in_progress: 'in progress', done: 'done' },
} as const;

/**
 * The improvement actions as CSV (Qualiopi indicator 32: what an auditor asks
 * for): one line per action with its dates (UTC, ISO 8601), unit, finding,
 * owner, status and outcome; same filters as the list.
 */
export async function exportImprovementActionsCsv(db: Db, ctx: Ctx, query: z.infer<typeof improvementActionExportQuerySchema>) {
  const locale = query.locale ?? 'fr';
  const words = WORDS[locale];
  const { items } = await listImprovementActions(db, ctx, query);
  const lines = [HEADERS[locale].map(csvCell).join(',')];
  for (const a of items) {
    lines.push([a.createdAt, words[a.unitType], a.unitLabel ?? a.unitId, words[a.metric], a.finding, a.description, a.owner?.name ?? '', a.dueOn ?? '', words[a.status], a.closedAt ?? '', a.outcome].map(csvCell).join(','));
  }
  return { fileName: locale === 'fr' ? 'actions-amelioration.csv' : 'improvement-actions.csv', csv: `\ufeff${lines.join('\r\n')}\r\n` };
}
