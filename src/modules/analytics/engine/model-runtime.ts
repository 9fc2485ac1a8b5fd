/**
 * The model runtime: TensorFlow.js behind a small interface, so the engine
 * does not care which backend runs it.
 *
 * - `@tensorflow/tfjs-node` (native TensorFlow) is used automatically when a
 *   user has installed it (it downloads a binary, so Emarge never requires it).
 * - Otherwise `@tensorflow/tfjs` on the WebAssembly backend, whose .wasm files
 *   are loaded from node_modules by file path, with SIMD when the engine
 *   supports it and XNNPACK threads (see wasm-threads.ts) when asked for.
 *
 * TensorFlow.js keeps one global engine per process: the runtime is created
 * once and shared.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { installWasmThreadBridge } from './wasm-threads.ts';

export type Tf = typeof TF;

export interface ModelRuntime {
  readonly tf: Tf;
  /** 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  readonly backend: string;
  readonly simd: boolean;
  readonly threads: number;
}

export interface RuntimeOptions {
  /** 'auto' (default): tfjs-node if importable, else wasm. */
  backend?: 'auto' | 'wasm' | 'cpu';
  /**
   * XNNPACK threads for the wasm backend. Default: EMARGE_ML_THREADS, else 1.
   * Measured on the 2-core development machine: see the bench report.
   */
  threads?: number;
}

let current: Promise<ModelRuntime> | null = null;

/**
 * The process's runtime, created on first call. TensorFlow.js has one engine
 * per process, so the options of the first call win; later calls share it.
 */
export function getModelRuntime(options: RuntimeOptions = {}): Promise<ModelRuntime> {
  if (!current) {
    const threads = Math.max(1, Math.floor(options.threads ?? (Number(process.env.EMARGE_ML_THREADS) || 1)));
    current = createRuntime(options.backend ?? 'auto', threads);
  }
  return current;
}

async function importTfjsNode(): Promise<Tf | null> {
  try {
    const name = '@tensorflow/tfjs-node';
    return (await import(name)) as Tf;
  } catch {
    return null;
  }
}

async function createRuntime(backend: 'auto' | 'wasm' | 'cpu', threads: number): Promise<ModelRuntime> {
  if (backend === 'auto') {
    const native = await importTfjsNode();
    if (native) {
      await native.ready();
      return { tf: native, backend: native.getBackend(), simd: true, threads: os.availableParallelism() };
    }
  }
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  // Quiet the "install tfjs-node for speed" banner: it is optional by design.
  tf.env().set('IS_TEST', false);
  if (backend === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: 'cpu', simd: false, threads: 1 };
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
  wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': `${dist}tfjs-backend-wasm.wasm`,
    'tfjs-backend-wasm-simd.wasm': `${dist}tfjs-backend-wasm-simd.wasm`,
    'tfjs-backend-wasm-threaded-simd.wasm': `${dist}tfjs-backend-wasm-threaded-simd.wasm`,
  });
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const useThreads = threads > 1 && simd && typeof SharedArrayBuffer !== 'undefined';
  // The Emscripten glue installs process-wide handlers that rethrow; keep the process's own behaviour.
  const before = { exception: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') };
  const bridge = useThreads ? installWasmThreadBridge(threads) : null;
  if (useThreads) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
  }
  try {
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('the WebAssembly backend of TensorFlow.js failed to start');
    await tf.ready();
  } finally {
    bridge?.uninstall();
    for (const l of process.listeners('uncaughtException')) if (!before.exception.includes(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.rejection.includes(l)) process.removeListener('unhandledRejection', l);
  }
  return { tf, backend: 'wasm', simd, threads: useThreads ? wasm.getThreadsCount() : 1 };
}
