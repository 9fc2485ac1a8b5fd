import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { canSeeProgram, scopeFor } from './access.ts';
import { presentModule } from './module.presenter.ts';
import { findModulesOfProgram } from './module.repository.ts';
import { getProgramById } from './program.repository.ts';

/** The modules of a program, in order; readable by whoever can read the program. */
export async function listModules(db: Db, ctx: Ctx, programId: string) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const program = await getProgramById(trx, programId);
    if (!program || !(await canSeeProgram(trx, await scopeFor(trx, ctx.actor), programId))) throw notFound('Program');
    const rows = await findModulesOfProgram(trx, programId);
    return { items: rows.map(presentModule), nextCursor: null };
  });
}
