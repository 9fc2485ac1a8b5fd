import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Emarge's configuration, parsed from the environment once at boot and frozen.
 * `process.env` is read nowhere else: everything receives `config`.
 */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
      .optional(),
    MAIL_FROM: z.string().min(3).default('Emarge <no-reply@emarge.localhost>'),
    SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(12),
    MAGIC_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
    COOKIE_SECURE: booleanFromEnv.optional(),
    TRUST_PROXY: booleanFromEnv.default(false),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
    UPLOAD_LIMIT_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
    REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    SEED_DEMO: booleanFromEnv.default(true),
    DEFAULT_TIMEZONE: z
      .string()
      .refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Paris')
      .default('Europe/Paris'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    RATE_LIMIT_SIGN_IN_PER_MINUTE: z.coerce.number().int().min(1).default(10),
    IDEMPOTENCY_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    LLM_BASE_URL: z.url().optional(),
    LLM_API_KEY: z.string().optional(),
    LLM_MODEL: z.string().optional(),
    EVIDENCE_ANCHOR_FILE: z.string().min(1).optional(),
    TSA_URL: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.LLM_BASE_URL && !env.LLM_MODEL) {
      ctx.addIssue({ code: 'custom', path: ['LLM_MODEL'], message: 'is required when LLM_BASE_URL is set' });
    }
    if (env.NODE_ENV === 'production' && env.PUBLIC_URL?.startsWith('http://') && env.COOKIE_SECURE === true) {
      ctx.addIssue({ code: 'custom', path: ['COOKIE_SECURE'], message: 'cannot be true with an http:// PUBLIC_URL' });
    }
  });

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string | null }
  | { kind: 'postgres'; url: string; poolSize: number };

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  readonly sessionTtlHours: number;
  readonly magicLinkTtlMinutes: number;
  readonly cookieSecure: boolean;
  readonly trustProxy: boolean;
  readonly bodyLimitBytes: number;
  readonly uploadLimitBytes: number;
  /** Time a client has to send a whole request (headers and body) before the server closes the connection. */
  readonly requestTimeoutMs: number;
  readonly seedDemo: boolean;
  readonly defaultTimezone: string;
  readonly logLevel: string;
  readonly rateLimitSignInPerMinute: number;
  /** How long an Idempotency-Key stays claimed by a request that stopped renewing it (a crashed process). */
  readonly idempotencyLeaseSeconds: number;
  readonly llm: { baseUrl: string; apiKey: string | null; model: string } | null;
  /** Where each sealed evidence batch is anchored outside the database: a JSON-lines file, an RFC 3161 authority. */
  readonly evidenceAnchoring: { file: string | null; tsaUrl: string | null };
}

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Parses and freezes the configuration; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, as in most .env conventions.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const value = typeof issue.path[0] === 'string' ? cleaned[issue.path[0]] : undefined;
        return `${name}: ${issue.message}${value !== undefined ? ` (got "${value}")` : ''}`;
      }),
    );
  }
  const e = parsed.data;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const dataDir = resolve(e.DATA_DIR);
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    dataDir,
    database: Object.freeze(
      e.DATABASE_URL
        ? { kind: 'postgres' as const, url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
        : { kind: 'pglite' as const, dataDir: resolve(dataDir, 'pglite') },
    ),
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    magicLinkTtlMinutes: e.MAGIC_LINK_TTL_MINUTES,
    cookieSecure: e.COOKIE_SECURE ?? publicUrl.startsWith('https://'),
    trustProxy: e.TRUST_PROXY,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    uploadLimitBytes: e.UPLOAD_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
    seedDemo: e.SEED_DEMO,
    defaultTimezone: e.DEFAULT_TIMEZONE,
    logLevel: e.LOG_LEVEL,
    rateLimitSignInPerMinute: e.RATE_LIMIT_SIGN_IN_PER_MINUTE,
    idempotencyLeaseSeconds: e.IDEMPOTENCY_LEASE_SECONDS,
    llm: e.LLM_BASE_URL
      ? Object.freeze({ baseUrl: e.LLM_BASE_URL, apiKey: e.LLM_API_KEY ?? null, model: e.LLM_MODEL ?? '' })
      : null,
    evidenceAnchoring: Object.freeze({ file: e.EVIDENCE_ANCHOR_FILE ? resolve(e.EVIDENCE_ANCHOR_FILE) : null, tsaUrl: e.TSA_URL ?? null }),
  });
}
