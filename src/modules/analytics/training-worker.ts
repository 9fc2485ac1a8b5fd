/**
 * Entry point of the training worker thread (started by train-in-worker.ts).
 * It loads TensorFlow.js (wasm, or tfjs-node when installed) in its own
 * isolate, receives one request — a training (the feature schema and the
 * training/validation tensors as typed arrays), answered with progress
 * messages then the artifact and validation metrics; or a scoring (artifact
 * and inputs), answered with probabilities and explanations — or the error.
 */
import { parentPort } from 'node:worker_threads';
import { AppError } from '../../platform/errors/app-error.ts';
import { getModelRuntime } from './engine/model-runtime.ts';
import { scoreAndExplain, trainAndEvaluate } from './train-and-evaluate.ts';
import type { WorkerReply, WorkerRequest } from './train-in-worker.ts';

const port = parentPort;
if (!port) throw new Error('training-worker.ts must run in a worker thread');
const send = (message: WorkerReply) => port.postMessage(message);

port.once('message', async (request: WorkerRequest) => {
  try {
    const runtime = await getModelRuntime();
    send({ type: 'started', backend: runtime.backend });
    if (request.kind === 'score') {
      send({ type: 'scored', weeks: scoreAndExplain(runtime, request.request) });
      return;
    }
    const outcome = await trainAndEvaluate(runtime, request.input, request.settings, {
      onEpoch: (e) => send({ type: 'epoch', ...e }),
      onPhase: (phase, epoch) => send({ type: 'phase', phase, epoch }),
    });
    send({ type: 'done', outcome });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    send({
      type: 'error',
      error: { message: e.message, name: e.name, ...(e instanceof AppError ? { code: e.code, extra: e.extra, errors: e.errors } : {}) },
    });
  }
});
