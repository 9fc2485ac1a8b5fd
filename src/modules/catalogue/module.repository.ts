import type { Selectable } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { ModulesTable } from './catalogue.table.ts';

export type ModuleRow = Selectable<ModulesTable>;

export function getModuleById(trx: Tx, id: string): Promise<ModuleRow | undefined> {
  return trx.selectFrom('modules').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findModulesOfProgram(trx: Tx, programId: string): Promise<ModuleRow[]> {
  return trx.selectFrom('modules').selectAll().where('program_id', '=', programId).orderBy('position').orderBy('title').orderBy('id').execute();
}

/** The position after the last module of a program. */
export async function nextModulePosition(trx: Tx, programId: string): Promise<number> {
  const row = await trx.selectFrom('modules').select((eb) => eb.fn.max<number | null>('position').as('max')).where('program_id', '=', programId).executeTakeFirst();
  return row?.max === null || row?.max === undefined ? 1 : Number(row.max) + 1;
}
