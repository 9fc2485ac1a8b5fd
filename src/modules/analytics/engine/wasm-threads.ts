/**
 * Lets the multithreaded WebAssembly build of TensorFlow.js run in Node.
 *
 * tfjs-backend-wasm 4.x disables threads in Node (its feature flag returns
 * false there) because its Emscripten glue starts each pthread worker from a
 * `blob:` URL, which Node's `worker_threads.Worker` refuses, and the worker
 * then loads the main script from a Blob through `importScripts`, which in
 * Node reads a file. This module bridges both during backend initialisation:
 * Blobs made of strings are recorded, their `blob:` URLs are mapped to
 * temporary files, `Worker` is given the file, and the `load` message carries
 * the file path instead of the Blob. Everything is restored by `uninstall()`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import os from 'node:os';
import workerThreads from 'node:worker_threads';

export interface WasmThreadBridge {
  uninstall(): void;
}

/**
 * `threads`: how many XNNPACK threads to allow. The backend caps its pool at
 * half of `os.cpus().length` (it assumes two hyper-threads per core), so on a
 * 2-core machine it would never use more than one; the count it reads is
 * adjusted for the duration of the initialisation.
 */
export function installWasmThreadBridge(threads: number): WasmThreadBridge {
  const realCpus = os.cpus;
  (os as { cpus: typeof os.cpus }).cpus = () => {
    const cpus = realCpus.call(os);
    return Array.from({ length: Math.max(2 * threads, cpus.length) }, (_, i) => cpus[i % cpus.length]!);
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'emarge-tfjs-wasm-'));
  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL;
  const RealWorker = workerThreads.Worker;
  const textOfBlob = new WeakMap<Blob, string>();
  const fileOfUrl = new Map<string, string>();
  const fileOfBlob = new WeakMap<Blob, string>();
  let counter = 0;

  const writeTemp = (text: string, extension: string): string => {
    const file = path.join(dir, `part-${counter++}${extension}`);
    writeFileSync(file, text);
    return file;
  };

  class RecordingBlob extends RealBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts && parts.every((p) => typeof p === 'string')) textOfBlob.set(this, (parts as string[]).join(''));
    }
  }

  URL.createObjectURL = (blob: Blob): string => {
    const url = realCreateObjectURL.call(URL, blob);
    const text = textOfBlob.get(blob);
    if (text !== undefined) {
      // The pthread worker script uses require(): give it a CommonJS file.
      const file = writeTemp(text, '.cjs');
      fileOfUrl.set(url, file);
      fileOfBlob.set(blob, file);
    }
    return url;
  };

  class FileWorker extends RealWorker {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      const file = typeof filename === 'string' ? fileOfUrl.get(filename) : undefined;
      super(file ?? filename, options);
    }
    override postMessage(message: unknown, transfer?: readonly workerThreads.TransferListItem[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown };
      if (m && m.cmd === 'load' && m.urlOrBlob instanceof RealBlob) {
        const blob = m.urlOrBlob;
        let file = fileOfBlob.get(blob);
        const text = textOfBlob.get(blob);
        if (!file && text !== undefined) {
          // The bundled factory refers to Node modules under its bundler's names.
          const prelude = "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;\n";
          file = writeTemp(prelude + text, '.js');
          fileOfBlob.set(blob, file);
        }
        if (file) message = { ...m, urlOrBlob: file };
      }
      super.postMessage(message, transfer);
    }
  }

  globalThis.Blob = RecordingBlob as typeof Blob;
  (workerThreads as { Worker: typeof RealWorker }).Worker = FileWorker;

  return {
    uninstall() {
      globalThis.Blob = RealBlob;
      (os as { cpus: typeof os.cpus }).cpus = realCpus;
      URL.createObjectURL = realCreateObjectURL;
      (workerThreads as { Worker: typeof RealWorker }).Worker = RealWorker;
      // Workers have read their files by now; the directory is removed at exit.
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    },
  };
}
