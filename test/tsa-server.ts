import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONFIG = `[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = SERIAL
crypto_device = builtin
signer_cert = DIR/tsa.pem
certs = DIR/tsa.pem
signer_key = DIR/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;

export interface TestTsa {
  url: string;
  /** The throwaway CA that issued the TSA's certificate, and that certificate (PEM files). */
  caFile: string;
  tsaCertFile: string;
  /** Requests answered so far. */
  requests: number;
  /** `openssl ts -verify` of a token (DER) for a SHA-256 digest: throws unless it verifies. */
  verify(token: Buffer, sha256Hex: string): string;
  close(): Promise<void>;
}

/**
 * A real RFC 3161 time-stamp authority on loopback (tests only): a throwaway CA
 * and TSA certificate made by openssl, and an HTTP server that pipes each
 * `application/timestamp-query` body to `openssl ts -reply`.
 */
export async function startTestTsa(): Promise<TestTsa> {
  const dir = mkdtempSync(join(tmpdir(), 'emarge-tsa-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  writeFileSync(join(dir, 'tsa.cnf'), CONFIG.replaceAll('DIR', dir).replace('SERIAL', join(dir, 'serial')));
  writeFileSync(join(dir, 'serial'), '01\n');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Emarge test CA']);
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=Emarge test TSA']);
  run(['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tsa.pem', '-days', '2', '-extfile', 'tsa.cnf', '-extensions', 'tsa_ext']);
  let n = 0;
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = ++n;
      try {
        if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') throw new Error('not a time-stamp query');
        writeFileSync(join(dir, `q${id}.tsq`), Buffer.concat(chunks));
        run(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', `q${id}.tsq`, '-out', `r${id}.tsr`]);
        state.requests++;
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(join(dir, `r${id}.tsr`)));
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caFile: join(dir, 'ca.pem'),
    tsaCertFile: join(dir, 'tsa.pem'),
    get requests() {
      return state.requests;
    },
    verify(token, sha256Hex) {
      const file = join(dir, `token-${++n}.der`);
      writeFileSync(file, token);
      return execFileSync('openssl', ['ts', '-verify', '-digest', sha256Hex, '-token_in', '-in', file, '-CAfile', join(dir, 'ca.pem'), '-untrusted', join(dir, 'tsa.pem')], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
