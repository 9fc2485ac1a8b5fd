import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pgTypeParsers } from './pg-type-parsers.ts';
import type { PgliteRequest, PgliteResponse, PgliteWorkerData } from './pglite-client.ts';

/**
 * The worker thread that owns the embedded PGlite database (see
 * pglite-client.ts): it runs the queries and transactions the main thread
 * sends, so that their CPU (PGlite is PostgreSQL compiled to WebAssembly, run
 * synchronously) never blocks the server's event loop.
 */
const { dataDir, image } = workerData as PgliteWorkerData;
const port = parentPort!;
const pglite = dataDir
  ? new PGlite(dataDir, { parsers: pgTypeParsers })
  : new PGlite({ parsers: pgTypeParsers, ...(image ? { loadDataDir: new Blob([image]) } : {}) });

/** Open transactions by the main thread's id: the handle to query on, and how to end it. */
const transactions = new Map<number, { tx: Transaction; end: (commit: boolean) => void; closed: Promise<unknown> }>();

const ERROR_FIELDS = ['severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine'] as const;

function reply(message: PgliteResponse, transfer: ArrayBuffer[] = []) {
  port.postMessage(message, transfer);
}

function failure(id: number, error: unknown): PgliteResponse {
  const e = error as Error & Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const key of ERROR_FIELDS) if (e?.[key] !== undefined) fields[key] = e[key];
  return { id, error: { name: e?.name ?? 'Error', message: e?.message ?? String(error), fields } };
}

async function handle(m: PgliteRequest): Promise<void> {
  switch (m.op) {
    case 'ready':
      await pglite.waitReady;
      return reply({ id: m.id, result: null });
    case 'query': {
      const on = m.tx === undefined ? pglite : transactions.get(m.tx)?.tx;
      if (!on) throw new Error(`PGlite worker: transaction ${m.tx} is not open`);
      const r = await on.query(m.sql, m.params as unknown[], { rowMode: 'object' });
      return reply({ id: m.id, result: { rows: r.rows, affectedRows: r.affectedRows } });
    }
    case 'begin': {
      let end!: (commit: boolean) => void;
      const ended = new Promise<boolean>((resolve) => (end = resolve));
      let begun!: () => void;
      const started = new Promise<void>((resolve) => (begun = resolve));
      const closed = pglite.transaction(async (tx) => {
        transactions.set(m.tx, { tx, end, closed });
        begun();
        if (!(await ended)) throw new RollbackRequested();
      });
      // Until it ends, the transaction's outcome is awaited by 'commit' or 'rollback'.
      closed.catch(() => undefined);
      await Promise.race([started, closed]);
      return reply({ id: m.id, result: null });
    }
    case 'commit':
    case 'rollback': {
      const open = transactions.get(m.tx);
      if (!open) return reply({ id: m.id, result: null });
      open.end(m.op === 'commit');
      try {
        await open.closed;
      } catch (error) {
        if (!(error instanceof RollbackRequested) && m.op === 'commit') throw error;
      } finally {
        transactions.delete(m.tx);
      }
      return reply({ id: m.id, result: null });
    }
    case 'dump': {
      const blob = await pglite.dumpDataDir('none');
      const bytes = await blob.arrayBuffer();
      return reply({ id: m.id, result: bytes }, [bytes]);
    }
    case 'close':
      if (!pglite.closed) await pglite.close();
      reply({ id: m.id, result: null });
      port.close();
      return;
  }
}

class RollbackRequested extends Error {}

port.on('message', (m: PgliteRequest) => {
  handle(m).catch((error: unknown) => reply(failure(m.id, error)));
});
