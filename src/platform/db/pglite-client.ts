import { Worker } from 'node:worker_threads';

/** What the main thread sends the PGlite worker (pglite-worker.ts), and what it answers. */
type Request =
  | { op: 'ready' | 'dump' | 'close' }
  | { op: 'query'; sql: string; params: readonly unknown[]; tx?: number }
  | { op: 'begin' | 'commit' | 'rollback'; tx: number };
export type PgliteRequest = Request & { id: number };
export type PgliteResponse =
  | { id: number; result: unknown }
  | { id: number; error: { name: string; message: string; fields: Record<string, unknown> } };
export interface PgliteWorkerData {
  dataDir: string | null;
  /** A dumped data folder to start from (in memory only). */
  image: ArrayBuffer | null;
}

interface QueryResults<T> {
  rows: T[];
  affectedRows?: number;
  fields: { name: string; dataTypeID: number }[];
}

const WORKER_URL = new URL('./pglite-worker.ts', import.meta.url);

/**
 * PGlite run in a worker thread, behind the part of PGlite's interface that
 * Kysely's PGliteDialect uses (query, transaction, close, ready). The embedded
 * database is PostgreSQL compiled to WebAssembly and runs synchronously: on the
 * server's main thread, 200 concurrent readers held `/health` for seconds. Here
 * each query is a message; the worker owns PGlite and its one connection, and
 * PGlite's own mutexes keep queries and transactions in the order they came.
 * A transaction stays open in the worker between messages (SET ROLE and
 * set_config inside it keep working); errors come back with PostgreSQL's
 * fields (code, constraint, detail…). The worker keeps the process alive only
 * while a query is pending.
 */
export class PgliteClient {
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #workerPromise: Promise<Worker>;
  #worker: Worker | null = null;
  #nextId = 1;
  #nextTx = 1;
  #closed = false;
  #exited: Promise<void> = Promise.resolve();
  readonly waitReady: Promise<void>;
  ready = false;

  constructor(options: { dataDir: string | null; image?: Blob }) {
    // A Blob's bytes are read asynchronously: the worker starts once they are (transferred, not copied).
    this.#workerPromise = (options.image ? options.image.arrayBuffer() : Promise.resolve(null)).then(
      (image) => new Worker(WORKER_URL, { name: 'emarge-pglite', workerData: { dataDir: options.dataDir, image } satisfies PgliteWorkerData, transferList: image ? [image] : [] }),
    );
    this.waitReady = this.#call({ op: 'ready' }).then(() => {
      this.ready = true;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #call<R>(request: Request): Promise<R> {
    const worker = this.#worker ?? (await this.#attach());
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  }

  async #attach(): Promise<Worker> {
    const worker = await this.#workerPromise;
    if (this.#worker) return this.#worker;
    this.#worker = worker;
    worker.unref();
    worker.on('message', (m: PgliteResponse) => {
      const waiting = this.#pending.get(m.id);
      if (!waiting) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) worker.unref();
      if ('error' in m) waiting.reject(Object.assign(new Error(m.error.message), { name: m.error.name }, m.error.fields));
      else waiting.resolve(m.result);
    });
    const fail = (error: Error) => {
      for (const waiting of this.#pending.values()) waiting.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    this.#exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        fail(new Error(`The PGlite worker stopped (exit code ${code}).`));
        this.#closed = true;
        resolve();
      }),
    );
    return worker;
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResults<T>> {
    const r = await this.#call<{ rows: T[]; affectedRows?: number }>({ op: 'query', sql, params });
    return { ...r, fields: [] };
  }

  /** Runs `fn` in one transaction held open in the worker: committed when it returns, rolled back when it throws. */
  async transaction<T>(fn: (tx: { query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResults<R>>; rollback(): Promise<void> }) => Promise<T>): Promise<T> {
    const tx = this.#nextTx++;
    await this.#call({ op: 'begin', tx });
    let result: T;
    try {
      result = await fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) => ({ ...(await this.#call<{ rows: R[]; affectedRows?: number }>({ op: 'query', sql, params, tx })), fields: [] }),
        rollback: () => Promise.reject(new Error('PgliteClient: end the transaction by throwing')),
      });
    } catch (error) {
      await this.#call({ op: 'rollback', tx });
      throw error;
    }
    await this.#call({ op: 'commit', tx });
    return result;
  }

  /** The data folder as a tarball (tests' migrated template image). */
  async dumpDataDir(): Promise<Blob> {
    return new Blob([await this.#call<ArrayBuffer>({ op: 'dump' })]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.waitReady.catch(() => undefined);
    await this.#call({ op: 'close' }).catch(() => undefined);
    this.#closed = true;
    // PGlite has closed its files; the worker is ended (and waited for: the process stays alive until it is).
    this.#worker?.ref();
    await this.#worker?.terminate();
    await this.#exited;
  }
}
