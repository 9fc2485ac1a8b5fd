/**
 * The load process of bench:signing (run as a child, so the server does not
 * share its event loop): POSTs each body of a JSON file once, `concurrency`
 * requests in flight (node:http keep-alive agent), and prints {requests, durationMs,
 * perSecond, latencyMs, statuses, loadCpuMsPerRequest} as JSON on stdout (the last: this
 * process's own CPU per request, to show it is not what saturates the machine).
 *   node bench/signing-load.ts URL BODIES_FILE CONCURRENCY
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [url, file, concurrencyArg] = process.argv.slice(2);
const bodies = JSON.parse(readFileSync(file!, 'utf8')) as unknown[];
const concurrency = Number(concurrencyArg ?? 50);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url!);

function post(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let next = 0;
const started = performance.now();
const cpuBefore = process.cpuUsage();
async function worker() {
  for (;;) {
    const i = next++;
    if (i >= bodies.length) return;
    const t0 = performance.now();
    try {
      const status = await post(JSON.stringify(bodies[i]));
      statuses[status] = (statuses[status] ?? 0) + 1;
    } catch (error) {
      statuses[`error:${(error as Error).message}`] = (statuses[`error:${(error as Error).message}`] ?? 0) + 1;
    }
    latencies.push(performance.now() - t0);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const durationMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 10) / 10;
agent.destroy();
console.log(JSON.stringify({ requests: bodies.length, durationMs: Math.round(durationMs), perSecond: Math.round((bodies.length / durationMs) * 1000 * 10) / 10, latencyMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) }, statuses, loadCpuMsPerRequest: Math.round(((cpu.user + cpu.system) / 1000 / bodies.length) * 1000) / 1000 }));
