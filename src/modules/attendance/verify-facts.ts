import { canonicalJson, compareForSealing, type EvidenceEntry, type EvidenceProblem } from './evidence-chain.ts';

/**
 * The rows a sheet or certificate attests, checked against the evidence
 * entries that recorded them (pure: verify-evidence.ts reads the rows).
 *
 * The evidence log proves its own content (hashes, chain, batches); this proves
 * that the ROWS still say what the log says, so a change made directly in the
 * database — by any SQL, triggers disabled or not — is named with its table,
 * row, fact and the entry that states the fact:
 * - a signature row: its session and signer, and the SHA-256 of its PNG bytes
 *   and of its strokes (recomputed from the stored bytes and strokes, not read
 *   from the hash columns), against the signing entry naming its id;
 * - an attendance record: each fact (status, late minutes, time left, time
 *   signed, method, signature, who marked, reason) against the latest entry
 *   for its (session, person) that states it: signing (`signer.id`, `status`,
 *   `lateMinutes`, `signatureId`, `method`, time = the entry's time), a
 *   trainer's mark (`to.*`, `reason`, `markedBy`), the lock (`markedAbsent`),
 *   an amendment or an accepted justification (`changes.after.*`), and any
 *   other entry carrying `sessionId`, a person's id and `status` (the contract
 *   of every write that sets a record's status);
 * - an amendment row: who, when, what (its `changes`), why (its reason),
 *   against the amendment's entry (same session and version);
 * - a sheet: locked (when, by whom, its verification code) if and only if a
 *   lock entry says so, and its version.
 * A record that no entry speaks of must still be pending; a row an entry
 * speaks of must exist; a signature must have its signing entry. Records of
 * sessions without a sheet and without any entry (history imported or seeded
 * for analytics) attest nothing and are skipped.
 * Several entries at the same millisecond for one fact: the row may match any
 * of them (their order is not otherwise known before sealing).
 * One pass over entries and rows (maps by key): linear in their number.
 */

export interface SignatureFacts {
  id: string;
  sessionId: string;
  personId: string;
  /** Recomputed from the stored bytes / strokes. */
  pngSha256: string;
  strokesSha256: string;
  /** The hash columns, as stored. */
  storedPngSha256: string;
  storedStrokesSha256: string;
}

export interface RecordFacts {
  id: string;
  sessionId: string;
  personId: string;
  status: string;
  lateMinutes: number | null;
  leftAt: Date | null;
  signedAt: Date | null;
  method: string | null;
  signatureId: string | null;
  markedBy: string | null;
  reason: string | null;
}

export interface AmendmentFacts {
  id: string;
  sessionId: string;
  version: number;
  amendedBy: string | null;
  amendedByApiKey: string | null;
  reason: string;
  changes: unknown;
  createdAt: Date;
}

export interface SheetFacts {
  sessionId: string;
  status: string;
  version: number;
  verificationCode: string;
  lockedAt: Date | null;
  lockedBy: string | null;
}

export interface FactRows {
  signatures: Iterable<SignatureFacts>;
  records: RecordFacts[];
  amendments: AmendmentFacts[];
  sheets: SheetFacts[];
}

export type FactProblemKind =
  | 'fact_mismatch' // a row's fact differs from what its evidence entry states
  | 'fact_unproven' // a row states a fact that no evidence entry records
  | 'fact_missing'; // an evidence entry records a row that is no longer there

export interface FactProblem extends Omit<EvidenceProblem, 'kind'> {
  kind: FactProblemKind;
  table: 'signatures' | 'attendance_records' | 'attendance_amendments' | 'attendance_sheets';
  /** The row's id (sheets: the session id). */
  rowId: string;
  fact: string;
}

type Value = string | number | boolean | null;
type RecordFact = 'status' | 'lateMinutes' | 'leftAt' | 'signedAt' | 'method' | 'signatureId' | 'markedBy' | 'reason';
const RECORD_FACTS: RecordFact[] = ['status', 'lateMinutes', 'leftAt', 'signedAt', 'method', 'signatureId', 'markedBy', 'reason'];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** A person's id from an actor description (describeActor): null for an API key or the system (the row keeps no person). */
const personOf = (actor: unknown): string | null => (obj(actor)?.kind === 'person' ? str(obj(actor)!.id) : null);
const time = (v: unknown): Value => {
  if (v === null || v === undefined) return null;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(ms) ? String(v) : new Date(ms).toISOString();
};
const num = (v: unknown): Value => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v));

interface Statement {
  entry: EvidenceEntry;
  facts: Partial<Record<RecordFact, Value>>;
}

/** What one entry states about the records of (session, person): zero, one, or (the lock) several statements. */
function recordStatements(entry: EvidenceEntry): { sessionId: string; personId: string; facts: Partial<Record<RecordFact, Value>> }[] {
  const p = entry.payload as Obj;
  const sessionId = str(p.sessionId);
  if (!sessionId) return [];
  switch (entry.type) {
    case 'attendance.signed':
    case 'attendance.trainer_signed': {
      const personId = str(obj(p.signer)?.id);
      if (!personId) return [];
      const facts: Statement['facts'] = { status: str(p.status), lateMinutes: num(p.lateMinutes) };
      Object.assign(facts, { signatureId: str(p.signatureId), method: str(p.method), signedAt: time(entry.recordedAt) });
      return [{ sessionId, personId, facts }];
    }
    case 'attendance.marked': {
      const personId = str(obj(p.person)?.id);
      const to = obj(p.to);
      if (!personId || !to) return [];
      const signatureId = str(p.signatureId);
      return [{
        sessionId, personId,
        facts: {
          status: str(to.status), lateMinutes: num(to.lateMinutes), leftAt: time(to.leftAt), method: str(to.method),
          reason: str(p.reason), markedBy: personOf(p.markedBy), signatureId, ...(signatureId === null ? { signedAt: null } : {}),
        },
      }];
    }
    case 'sheet.locked': {
      const absent = Array.isArray(p.markedAbsent) ? p.markedAbsent.filter((x): x is string => typeof x === 'string') : [];
      return absent.map((personId) => ({ sessionId, personId, facts: { status: 'absent', reason: 'not signed when the sheet was locked' } }));
    }
    default: {
      const changes = obj(p.changes);
      const after = obj(changes?.after);
      if (changes && after && str(changes.personId)) {
        // An amendment of a locked sheet (sheet.amended, or attendance.excused on a locked sheet).
        return [{
          sessionId, personId: str(changes.personId)!,
          facts: { status: str(after.status), lateMinutes: num(after.lateMinutes), leftAt: time(after.leftAt), reason: str(after.reason), markedBy: personOf(p.amendedBy) },
        }];
      }
      const personId = str(p.personId) ?? str(obj(p.person)?.id) ?? str(obj(p.signer)?.id);
      const status = str(p.status) ?? str(p.to) ?? str(obj(p.to)?.status);
      if (!personId || !status) return [];
      const facts: Statement['facts'] = { status };
      if ('lateMinutes' in p) facts.lateMinutes = num(p.lateMinutes);
      if ('reason' in p) facts.reason = str(p.reason);
      if (entry.type === 'attendance.excused' && str(p.justificationId)) {
        // A justification accepted on an open sheet (mark-excused.ts; entries before issue 12 carry neither minutes nor reason).
        Object.assign(facts, { lateMinutes: null, reason: 'reason' in p ? str(p.reason) : `absence justified (justification ${str(p.justificationId)})`, markedBy: personOf(p.by) });
      }
      return [{ sessionId, personId, facts }];
    }
  }
}

function rowValue(record: RecordFacts, fact: RecordFact): Value {
  switch (fact) {
    case 'leftAt': return time(record.leftAt);
    case 'signedAt': return time(record.signedAt);
    case 'lateMinutes': return num(record.lateMinutes);
    default: return record[fact];
  }
}

const show = (v: Value) => (v === null ? 'null' : JSON.stringify(v));
const where = (e: EvidenceEntry) => `entry ${e.seq ?? '(unsealed)'} (${e.id}, ${e.type})`;

/** Checks the rows against the entries; problems in a stable order (signatures, records, amendments, sheets). */
export function verifyFacts(entries: EvidenceEntry[], rows: FactRows, options: { maxProblems?: number } = {}): { problems: FactProblem[]; checkedRows: number } {
  const maxProblems = options.maxProblems ?? 100;
  const problems: FactProblem[] = [];
  let checkedRows = 0;
  const report = (entry: EvidenceEntry | null, p: Omit<FactProblem, 'entryId' | 'seq' | 'batchNumber'>) => {
    if (problems.length < maxProblems) problems.push({ ...p, entryId: entry?.id ?? null, seq: entry?.seq ?? null, batchNumber: entry?.batchNumber ?? null });
  };

  // Entries in the order they happened (sealing order); unsealed ones in the order sealing will give them.
  const ordered = [...entries].sort((a, b) => compareForSealing(a, b));
  const signings = new Map<string, EvidenceEntry>();
  const byRecord = new Map<string, Statement[]>();
  const amendmentEntries = new Map<string, EvidenceEntry>();
  const locks = new Map<string, EvidenceEntry>();
  const versions = new Map<string, number>();
  const sessionsWithEntries = new Set<string>();
  for (const entry of ordered) {
    const p = entry.payload as Obj;
    const sessionId = str(p.sessionId);
    if (!sessionId) continue;
    sessionsWithEntries.add(sessionId);
    if ((entry.type === 'attendance.signed' || entry.type === 'attendance.trainer_signed') && str(p.signatureId)) signings.set(str(p.signatureId)!, entry);
    if (entry.type === 'sheet.locked') locks.set(sessionId, entry);
    if (typeof p.version === 'number') versions.set(sessionId, Math.max(versions.get(sessionId) ?? 1, p.version));
    if (obj(p.changes) && typeof p.version === 'number') amendmentEntries.set(`${sessionId}/${p.version}`, entry);
    for (const s of recordStatements(entry)) {
      const key = `${s.sessionId}/${s.personId}`;
      const list = byRecord.get(key);
      if (list) list.push({ entry, facts: s.facts });
      else byRecord.set(key, [{ entry, facts: s.facts }]);
    }
  }

  // Signatures: every row has its signing entry, and still says what it said.
  const seenSignatures = new Set<string>();
  for (const sig of rows.signatures) {
    checkedRows++;
    seenSignatures.add(sig.id);
    const entry = signings.get(sig.id);
    const base = { table: 'signatures' as const, rowId: sig.id };
    if (!entry) {
      report(null, { ...base, kind: 'fact_unproven', fact: 'signature', message: `signature ${sig.id} has no signing entry in the evidence log (inserted by hand, or its entry was deleted)` });
      continue;
    }
    const p = entry.payload as Obj;
    const checks: [string, Value, Value][] = [
      ['sessionId', sig.sessionId, str(p.sessionId)],
      ['signer', sig.personId, str(obj(p.signer)?.id)],
      ['png', sig.pngSha256, str(p.pngSha256)],
      ['strokes', sig.strokesSha256, str(p.strokesSha256)],
      ['pngSha256', sig.storedPngSha256, str(p.pngSha256)],
      ['strokesSha256', sig.storedStrokesSha256, str(p.strokesSha256)],
    ];
    for (const [fact, actual, stated] of checks) {
      if (actual !== stated) {
        const what = fact === 'png' ? 'its PNG bytes hash to' : fact === 'strokes' ? 'its strokes hash to' : `its ${fact} is`;
        report(entry, { ...base, kind: 'fact_mismatch', fact, message: `signature ${sig.id}: ${what} ${show(actual)}, but ${where(entry)} states ${show(stated)}` });
      }
    }
  }
  for (const [signatureId, entry] of signings) {
    if (!seenSignatures.has(signatureId)) {
      report(entry, { table: 'signatures', rowId: signatureId, kind: 'fact_missing', fact: 'signature', message: `signature ${signatureId}, recorded by ${where(entry)}, is no longer in the database` });
    }
  }

  // Attendance records: each fact as the latest entry stating it says.
  const sheets = new Map(rows.sheets.map((s) => [s.sessionId, s]));
  const seenRecords = new Set<string>();
  for (const record of rows.records) {
    const key = `${record.sessionId}/${record.personId}`;
    seenRecords.add(key);
    const statements = byRecord.get(key) ?? [];
    if (!sheets.has(record.sessionId) && !sessionsWithEntries.has(record.sessionId)) continue; // history: attests nothing
    checkedRows++;
    const base = { table: 'attendance_records' as const, rowId: record.id };
    if (statements.length === 0) {
      if (record.status !== 'pending' || record.signatureId !== null) {
        report(null, { ...base, kind: 'fact_unproven', fact: 'status', message: `attendance record ${record.id} (session ${record.sessionId}, person ${record.personId}) is ${record.status}${record.signatureId ? ` with signature ${record.signatureId}` : ''}, but no evidence entry records it` });
      }
      continue;
    }
    for (const fact of RECORD_FACTS) {
      let latest: string | null = null;
      let candidates: Statement[] = [];
      for (const s of statements) {
        if (!(fact in s.facts)) continue;
        if (latest === null || s.entry.recordedAt > latest) {
          latest = s.entry.recordedAt;
          candidates = [s];
        } else if (s.entry.recordedAt === latest) candidates.push(s);
      }
      if (candidates.length === 0) continue;
      const actual = rowValue(record, fact);
      if (candidates.some((c) => c.facts[fact] === actual)) continue;
      const entry = candidates[candidates.length - 1]!.entry;
      report(entry, { ...base, kind: 'fact_mismatch', fact, message: `attendance record ${record.id} (session ${record.sessionId}, person ${record.personId}): ${fact} is ${show(actual)}, but ${where(entry)} states ${show(candidates[candidates.length - 1]!.facts[fact]!)}` });
    }
    if (record.signatureId !== null) {
      const signing = signings.get(record.signatureId);
      const p = signing ? (signing.payload as Obj) : null;
      if (signing && (str(p!.sessionId) !== record.sessionId || str(obj(p!.signer)?.id) !== record.personId)) {
        report(signing, { ...base, kind: 'fact_mismatch', fact: 'signatureId', message: `attendance record ${record.id} (session ${record.sessionId}, person ${record.personId}) points to signature ${record.signatureId}, which ${where(signing)} records for person ${show(str(obj(p!.signer)?.id))} on session ${show(str(p!.sessionId))}` });
      }
    }
  }
  for (const [key, statements] of byRecord) {
    if (seenRecords.has(key)) continue;
    const [sessionId, personId] = key.split('/') as [string, string];
    const entry = statements[statements.length - 1]!.entry;
    report(entry, { table: 'attendance_records', rowId: `${sessionId}/${personId}`, kind: 'fact_missing', fact: 'record', message: `the attendance record of person ${personId} on session ${sessionId}, stated by ${where(entry)}, is no longer in the database (deleted, or moved to another person or session)` });
  }

  // Amendments: who, when, what and why, as their entry states.
  const seenAmendments = new Set<string>();
  for (const a of rows.amendments) {
    checkedRows++;
    const key = `${a.sessionId}/${a.version}`;
    seenAmendments.add(key);
    const entry = amendmentEntries.get(key);
    const base = { table: 'attendance_amendments' as const, rowId: a.id };
    if (!entry) {
      report(null, { ...base, kind: 'fact_unproven', fact: 'amendment', message: `amendment ${a.id} (session ${a.sessionId}, version ${a.version}) has no evidence entry` });
      continue;
    }
    const p = entry.payload as Obj;
    const changes = obj(p.changes);
    const actor = obj(p.amendedBy);
    const checks: [string, Value, Value][] = [
      ['changes', canonicalJson(a.changes), changes ? canonicalJson(changes) : null],
      ['reason', a.reason, str(obj(changes?.after)?.reason)],
      ['amendedBy', a.amendedBy ?? (a.amendedByApiKey ? `api_key:${a.amendedByApiKey}` : null), actor?.kind === 'person' ? str(actor.id) : actor?.kind === 'api_key' ? `api_key:${str(actor.id)}` : null],
      ['createdAt', time(a.createdAt), time(entry.recordedAt)],
    ];
    for (const [fact, actual, stated] of checks) {
      if (actual !== stated) report(entry, { ...base, kind: 'fact_mismatch', fact, message: `amendment ${a.id} (session ${a.sessionId}, version ${a.version}): its ${fact} is ${show(actual)}, but ${where(entry)} states ${show(stated)}` });
    }
  }
  for (const [key, entry] of amendmentEntries) {
    if (seenAmendments.has(key)) continue;
    const [sessionId, version] = key.split('/');
    report(entry, { table: 'attendance_amendments', rowId: key, kind: 'fact_missing', fact: 'amendment', message: `amendment version ${version} of session ${sessionId}, recorded by ${where(entry)}, is no longer in the database` });
  }

  // Sheets: locked exactly when a lock entry says so; their version.
  for (const sheet of rows.sheets) {
    checkedRows++;
    const lock = locks.get(sheet.sessionId);
    const base = { table: 'attendance_sheets' as const, rowId: sheet.sessionId };
    if (!lock) {
      if (sheet.status !== 'open') report(null, { ...base, kind: 'fact_unproven', fact: 'status', message: `the sheet of session ${sheet.sessionId} is ${sheet.status}, but no evidence entry records its lock` });
    } else {
      const p = lock.payload as Obj;
      const checks: [string, Value, Value][] = [
        ['status', sheet.status, 'locked'],
        ['lockedAt', time(sheet.lockedAt), time(lock.recordedAt)],
        ['lockedBy', sheet.lockedBy, personOf(p.lockedBy)],
        ['verificationCode', sheet.verificationCode, str(p.verificationCode)],
      ];
      for (const [fact, actual, stated] of checks) {
        if (actual !== stated) report(lock, { ...base, kind: 'fact_mismatch', fact, message: `the sheet of session ${sheet.sessionId}: its ${fact} is ${show(actual)}, but ${where(lock)} states ${show(stated)}` });
      }
    }
    const version = versions.get(sheet.sessionId) ?? 1;
    if (sheet.version !== version) report(lock ?? null, { ...base, kind: 'fact_mismatch', fact: 'version', message: `the sheet of session ${sheet.sessionId} is at version ${sheet.version}, but the evidence records version ${version}` });
  }
  for (const [sessionId, lock] of locks) {
    if (!sheets.has(sessionId)) report(lock, { table: 'attendance_sheets', rowId: sessionId, kind: 'fact_missing', fact: 'sheet', message: `the sheet of session ${sessionId}, locked by ${where(lock)}, is no longer in the database` });
  }
  return { problems, checkedRows };
}
