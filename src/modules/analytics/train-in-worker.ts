/**
 * Runs a training (or a scoring) in a worker thread, so that TensorFlow.js
 * never blocks the server's event loop (HTTP requests keep being answered
 * while a model trains or scores learners). The feature tensors go in as
 * transferred typed arrays; progress (one message per epoch), then the
 * artifact and validation metrics (or the scores and their explanations),
 * come back. One worker at a time per process: a second request waits for
 * the first to end. A failure in the worker (an AppError keeps its code), a crash,
 * or a cancellation (AbortSignal, e.g. the server shutting down) rejects with
 * a message saying what happened; the worker is always terminated.
 */
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type ErrorCode } from '../../platform/errors/error-codes.ts';
import { AppError, type ProblemItem } from '../../platform/errors/app-error.ts';
import type { TrainInput } from './engine/train-risk-model.ts';
import type { EpochReport, ScoredWeek, ScoreRequest, TrainingOutcome, TrainingSettings } from './train-and-evaluate.ts';

export type WorkerRequest = { kind: 'train'; input: TrainInput; settings: TrainingSettings } | { kind: 'score'; request: ScoreRequest };

export type WorkerReply =
  | { type: 'started'; backend: string }
  | ({ type: 'epoch' } & EpochReport)
  | { type: 'phase'; phase: 'evaluating'; epoch: number }
  | { type: 'done'; outcome: TrainingOutcome }
  | { type: 'scored'; weeks: ScoredWeek[] }
  | { type: 'error'; error: { message: string; name: string; code?: string; extra?: Record<string, unknown>; errors?: ProblemItem[] } };

export interface TrainInWorkerHooks {
  /** The worker has loaded TensorFlow.js and starts training. */
  onStarted?: (backend: string) => void | Promise<void>;
  onEpoch?: (e: EpochReport) => void | Promise<void>;
  onPhase?: (phase: 'evaluating', epoch: number) => void | Promise<void>;
  /** Aborting terminates the worker; the promise rejects with "Training cancelled: <reason>". */
  signal?: AbortSignal;
}

const WORKER_URL = new URL('./training-worker.ts', import.meta.url);

let queue: Promise<unknown> = Promise.resolve();
const running = new Set<AbortController>();
const byJob = new Map<number, AbortController>();

/**
 * Makes a training job cancellable from this process (POST /analytics/jobs/:id/cancel) until `release()`:
 * its signal goes to trainInWorker().
 */
export function registerTrainingJob(jobId: number): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  byJob.set(jobId, controller);
  return { signal: controller.signal, release: () => void (byJob.get(jobId) === controller && byJob.delete(jobId)) };
}

/** Cancels a training job this process is running; false when it does not run it (or no longer can stop it). */
export function cancelTrainingJob(jobId: number, reason: string): boolean {
  const controller = byJob.get(jobId);
  if (!controller || controller.signal.aborted) return false;
  controller.abort(new Error(reason));
  return true;
}

/** Cancels every training and scoring of this process, running or waiting (server shutdown): each job fails with the reason. */
export function cancelAllTrainings(reason: string): void {
  for (const controller of running) controller.abort(new Error(reason));
}

function reasonOf(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'cancelled';
}

function toError(e: Extract<WorkerReply, { type: 'error' }>['error'], what: string): Error {
  if (e.code && e.code in ERROR_CODES) return new AppError(e.code as ErrorCode, e.message, { ...(e.errors ? { errors: e.errors } : {}), ...(e.extra ? { extra: e.extra } : {}) });
  return new Error(`${what} failed in the worker thread: ${e.message}`);
}

/** The typed arrays' buffers, once each (a buffer listed twice cannot be transferred). */
function buffersOf(input: TrainInput): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const d of [input.train, input.validation]) for (const a of [d.x, d.y, d.mask]) if (a.buffer instanceof ArrayBuffer) set.add(a.buffer);
  return [...set];
}

/**
 * Trains `input` in a fresh worker thread. The typed arrays of `input` are
 * transferred (they are unusable by the caller afterwards).
 */
export function trainInWorker(input: TrainInput, settings: TrainingSettings, hooks: TrainInWorkerHooks = {}): Promise<TrainingOutcome> {
  return inTurn(hooks, (signal) => runInWorker({ kind: 'train', input, settings }, buffersOf(input), hooks, signal, (m) => (m.type === 'done' ? m.outcome : undefined)));
}

/** Scores and explains the asked learner-weeks in a fresh worker thread (the model, then integrated gradients); `x` is transferred. */
export function scoreInWorker(request: ScoreRequest, hooks: Pick<TrainInWorkerHooks, 'signal'> = {}): Promise<ScoredWeek[]> {
  const transfer = request.x.buffer instanceof ArrayBuffer ? [request.x.buffer] : [];
  return inTurn(hooks, (signal) => runInWorker({ kind: 'score', request }, transfer, {}, signal, (m) => (m.type === 'scored' ? m.weeks : undefined)));
}

/** One worker at a time per process, in the order asked; `hooks.signal` cancels (also while waiting). */
function inTurn<T>(hooks: Pick<TrainInWorkerHooks, 'signal'>, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const forward = () => controller.abort(hooks.signal!.reason);
  if (hooks.signal?.aborted) forward();
  else hooks.signal?.addEventListener('abort', forward, { once: true });
  running.add(controller);
  const turn = queue.then(() => run(controller.signal));
  queue = turn.catch(() => undefined);
  return turn.finally(() => {
    running.delete(controller);
    hooks.signal?.removeEventListener('abort', forward);
  });
}

function runInWorker<T>(request: WorkerRequest, transfer: ArrayBuffer[], hooks: TrainInWorkerHooks, signal: AbortSignal, resultOf: (m: WorkerReply) => T | undefined): Promise<T> {
  const what = request.kind === 'train' ? 'Training' : 'Scoring';
  if (signal.aborted) return Promise.reject(new Error(`${what} cancelled before it started: ${reasonOf(signal)}`));
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { name: `emarge-${request.kind}` });
    let settled = false;
    // Progress writes run in order; the outcome waits for the last of them.
    let hooksDone: Promise<unknown> = Promise.resolve();
    const finish = (error: Error | null, result?: T) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (error) reject(error);
      else resolve(result as T);
    };
    const then = (fn: () => void | Promise<void>) => {
      hooksDone = hooksDone.then(() => (settled ? undefined : fn())).catch((error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
    };
    const onAbort = () => finish(new Error(`${what} cancelled: ${reasonOf(signal)}`));
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerReply) => {
      if (settled) return;
      const result = resultOf(m);
      if (result !== undefined) then(() => finish(null, result));
      else if (m.type === 'started') then(() => hooks.onStarted?.(m.backend));
      else if (m.type === 'epoch') then(() => hooks.onEpoch?.({ epoch: m.epoch, loss: m.loss, validationAuc: m.validationAuc, seconds: m.seconds }));
      else if (m.type === 'phase') then(() => hooks.onPhase?.(m.phase, m.epoch));
      else if (m.type === 'error') finish(toError(m.error, what));
    });
    worker.on('error', (error) => finish(new Error(`The ${request.kind} worker thread crashed: ${error.message}`)));
    // In order behind the progress writes: a worker that exits right after its result has already delivered it.
    worker.on('exit', (code) => then(() => finish(new Error(`The ${request.kind} worker thread stopped before the end (exit code ${code}).`))));
    try {
      worker.postMessage(request, transfer);
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
