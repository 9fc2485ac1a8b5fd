import { cleanSkills, InterchangeSyntaxError, positionOf, type QuizItem } from './quiz-item.ts';
import type { QuestionOption } from '../questionnaire.table.ts';

/**
 * GIFT (Moodle's text format) for quizzes: multiple choice (one right answer,
 * or weighted answers ~%50%), true/false, short answer, numerical (value:tolerance
 * or min..max), essay, with per-answer feedback (#) and general feedback (####).
 * Comments (//), $CATEGORY lines and [html]/[markdown]/[plain] prefixes are
 * accepted. Matching and missing-word-with-text-after are refused by name.
 */

const SPECIAL = /[~=#{}:\\]/g;
export function escapeGift(s: string): string {
  return s.replace(SPECIAL, (c) => `\\${c}`).replace(/\n/g, '\\n');
}
function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)).trim();
}
/** Index of the next unescaped `ch` from `from`, or -1. */
function findUnescaped(s: string, ch: string, from = 0): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s.startsWith(ch, i)) return i;
  }
  return -1;
}

interface Block {
  text: string;
  offset: number;
  /** "[tag:…]" found in the comments just before the question or inside it (Moodle's GIFT convention). */
  tags: string[];
}

const TAG = /\[tag:([^\]\r\n]+)\]/g;

function blocks(source: string): Block[] {
  const out: Block[] = [];
  const lines = source.split('\n');
  let offset = 0;
  let current: Block | null = null;
  let pendingTags: string[] = [];
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    const isComment = trimmed.startsWith('//');
    if (isComment) {
      const tags = [...trimmed.matchAll(TAG)].map((m) => m[1]!);
      if (current) current.tags.push(...tags);
      else pendingTags.push(...tags);
    }
    if (trimmed === '') {
      if (current) out.push(current);
      current = null;
    } else if (!isComment && !trimmed.startsWith('$CATEGORY')) {
      if (!current) {
        current = { text: '', offset, tags: pendingTags };
        pendingTags = [];
      } else current.text += '\n';
      // keep offsets aligned: pad skipped comment lines inside a block with their length
      current.text += line;
    } else if (current) {
      current.text += '\n' + ' '.repeat(line.length);
    }
    offset += raw.length + 1;
  }
  if (current) out.push(current);
  return out;
}

/** Parses a GIFT file; a syntax error gives its line and column. */
export function parseGift(source: string): QuizItem[] {
  const text = source.replace(/^\uFEFF/, '');
  const items: QuizItem[] = [];
  const fail = (message: string, offset: number): never => {
    const { line, column } = positionOf(text, offset);
    throw new InterchangeSyntaxError(message, line, column);
  };
  for (const block of blocks(text)) {
    let body = block.text;
    let base = block.offset;
    let name = '';
    const lead = body.length - body.trimStart().length;
    if (body.trimStart().startsWith('::')) {
      const start = lead + 2;
      const end = findUnescaped(body, '::', start);
      if (end < 0) fail('the question title opened with "::" is never closed with "::"', base + lead);
      name = unescape(body.slice(start, end));
      base += end + 2;
      body = body.slice(end + 2);
    }
    const open = findUnescaped(body, '{');
    if (open < 0) {
      const stray = findUnescaped(body, '}');
      if (stray >= 0) fail('"}" without an opening "{"', base + stray);
      fail('a question needs an answer block in braces {…}', base + (body.length - body.trimStart().length));
    }
    const close = findUnescaped(body, '}', open + 1);
    if (close < 0) fail('the answer block opened here is never closed with "}"', base + open);
    const nested = findUnescaped(body.slice(0, close), '{', open + 1);
    if (nested >= 0) fail('"{" inside an answer block (escape it as \\{)', base + nested);
    const after = body.slice(close + 1).trim();
    let prompt = body.slice(0, open).replace(/^\s*\[(html|markdown|plain|moodle)\]/, '');
    prompt = unescape(prompt);
    if (after) {
      const extra = findUnescaped(body, '{', close + 1);
      if (extra >= 0) fail('only one answer block per question is supported', base + extra);
      prompt = `${prompt} _____ ${unescape(after)}`.trim();
    }
    if (!prompt) fail('the question text is empty', base + open);
    const inner = body.slice(open + 1, close);
    const innerBase = base + open + 1;
    const item = parseAnswers(inner, innerBase, fail);
    const skills = cleanSkills(block.tags);
    items.push({ name: name || prompt.slice(0, 60), prompt, points: 1, ...item, ...(skills.length ? { skills } : {}) });
  }
  return items;
}

function parseAnswers(inner: string, innerBase: number, fail: (m: string, o: number) => never): Omit<QuizItem, 'name' | 'prompt' | 'points'> {
  let generalFeedback: string | undefined;
  const general = findUnescaped(inner, '####');
  let content = inner;
  if (general >= 0) {
    generalFeedback = unescape(inner.slice(general + 4));
    content = inner.slice(0, general);
  }
  const withFeedback = (s: object) => (generalFeedback ? { ...s, feedback: generalFeedback } : s);
  const trimmed = content.trim();
  if (trimmed === '') return { type: 'long_text', options: [], settings: withFeedback({}) };
  const tf = /^(T|TRUE|F|FALSE)\s*(#|$)/.exec(trimmed);
  if (tf) {
    const value = tf[1]!.startsWith('T');
    const parts = splitUnescaped(trimmed, '#');
    // GIFT: the first feedback is shown for a wrong answer, the second for the right one.
    const fbWrong = parts[1] !== undefined && parts[1].trim() ? unescape(parts[1]) : undefined;
    const fbRight = parts[2] !== undefined && parts[2].trim() ? unescape(parts[2]) : undefined;
    const options: QuestionOption[] = [
      { id: 'true', label: 'Vrai / True', correct: value, ...(value ? (fbRight ? { feedback: fbRight } : {}) : fbWrong ? { feedback: fbWrong } : {}) },
      { id: 'false', label: 'Faux / False', correct: !value, ...(!value ? (fbRight ? { feedback: fbRight } : {}) : fbWrong ? { feedback: fbWrong } : {}) },
    ];
    return { type: 'single', options, settings: withFeedback({}), trueFalse: true };
  }
  const lead = content.length - content.trimStart().length;
  if (trimmed.startsWith('#')) {
    const spec = trimmed.slice(1).trim().replace(/^=(%\d+(\.\d+)?%)?/, '').split(/\s+=/)[0]!.split('#')[0]!.trim();
    let m = /^(-?\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(spec);
    if (m) return { type: 'number', options: [], settings: withFeedback({ correctNumber: Number(m[1]), tolerance: Number(m[2] ?? 0) }) };
    m = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)$/.exec(spec);
    if (m && Number(m[1]) <= Number(m[2])) {
      const lo = Number(m[1]);
      const hi = Number(m[2]);
      return { type: 'number', options: [], settings: withFeedback({ correctNumber: (lo + hi) / 2, tolerance: (hi - lo) / 2 }) };
    }
    fail(`"${spec}" is not a numerical answer (expected value, value:tolerance or min..max)`, innerBase + lead + 1);
  }
  // Choice or short answer: tokens starting with unescaped = or ~.
  const tokens: Array<{ marker: '=' | '~'; text: string; offset: number }> = [];
  let i = 0;
  while (i < content.length) {
    const c = content[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c !== '=' && c !== '~') fail(`unexpected "${c}": each answer starts with "=" (right) or "~" (wrong)`, innerBase + i);
    let j = i + 1;
    while (j < content.length && !((content[j] === '=' || content[j] === '~') && content[j - 1] !== '\\')) j++;
    tokens.push({ marker: c as '=' | '~', text: content.slice(i + 1, j), offset: innerBase + i });
    i = j;
  }
  if (tokens.some((t) => t.text.includes('->'))) fail('matching questions are not supported', tokens.find((t) => t.text.includes('->'))!.offset);
  const parsed = tokens.map((t) => {
    let s = t.text;
    let weight: number | undefined;
    const w = /^\s*%(-?\d+(?:\.\d+)?)%/.exec(s);
    if (w) {
      weight = Number(w[1]);
      if (weight < -100 || weight > 100) fail(`weight ${weight}% is outside −100..100`, t.offset);
      s = s.slice(w[0].length);
    }
    const hash = findUnescaped(s, '#');
    const label = unescape(hash >= 0 ? s.slice(0, hash) : s);
    const feedback = hash >= 0 ? unescape(s.slice(hash + 1)) : undefined;
    if (!label) fail('an answer is empty', t.offset);
    return { marker: t.marker, label, weight, feedback };
  });
  if (parsed.every((p) => p.marker === '=')) {
    return { type: 'short_text', options: [], settings: withFeedback({ acceptedAnswers: parsed.map((p) => p.label) }) };
  }
  const options: QuestionOption[] = parsed.map((p, k) => {
    const correct = p.marker === '=' || (p.weight ?? 0) > 0;
    return { id: `o${k + 1}`, label: p.label, correct, ...(p.weight !== undefined && p.marker === '~' ? { weight: p.weight } : {}), ...(p.feedback ? { feedback: p.feedback } : {}) };
  });
  const right = options.filter((o) => o.correct).length;
  if (right === 0) fail('a multiple-choice question needs a right answer ("=" or a positive weight)', innerBase + lead);
  const weighted = options.some((o) => o.weight !== undefined);
  if (right === 1 && !weighted) return { type: 'single', options, settings: withFeedback({}) };
  return { type: 'multiple', options, settings: withFeedback({ scoring: 'partial' }) };
}

function splitUnescaped(s: string, ch: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const at = findUnescaped(s, ch, from);
    if (at < 0) {
      out.push(s.slice(from));
      return out;
    }
    out.push(s.slice(from, at));
    from = at + ch.length;
  }
}

const fmt = (n: number) => String(Math.round(n * 100000) / 100000);

/** Writes quiz items as GIFT. */
export function toGift(items: readonly QuizItem[]): string {
  const out: string[] = [];
  for (const item of items) {
    const head = `::${escapeGift(item.name)}:: ${escapeGift(item.prompt)}`;
    const general = item.settings.feedback ? ` ####${escapeGift(item.settings.feedback)}` : '';
    let answers = '';
    if (item.trueFalse) {
      const truth = item.options.find((o) => o.id === 'true')?.correct === true;
      const right = item.options.find((o) => o.correct)?.feedback;
      const wrong = item.options.find((o) => !o.correct)?.feedback;
      answers = `${truth ? 'TRUE' : 'FALSE'}${right || wrong ? `#${escapeGift(wrong ?? '')}` : ''}${right ? `#${escapeGift(right)}` : ''}`;
    } else if (item.type === 'single' || item.type === 'multiple') {
      const weighted = item.type === 'multiple';
      const right = item.options.filter((o) => o.correct).length || 1;
      answers = item.options
        .map((o) => {
          const fb = o.feedback ? `#${escapeGift(o.feedback)}` : '';
          if (!weighted) return `\n  ${o.correct ? '=' : '~'}${escapeGift(o.label)}${fb}`;
          const w = o.weight ?? (o.correct ? 100 / right : -100 / Math.max(1, item.options.length - right));
          return `\n  ~%${fmt(w)}%${escapeGift(o.label)}${fb}`;
        })
        .join('') + '\n';
    } else if (item.type === 'short_text') {
      answers = (item.settings.acceptedAnswers ?? []).map((a) => `=${escapeGift(a)}`).join(' ');
    } else if (item.type === 'number') {
      answers = `#${fmt(item.settings.correctNumber ?? 0)}:${fmt(item.settings.tolerance ?? 0)}`;
    }
    const tags = item.skills?.length ? `// ${item.skills.map((tag) => `[tag:${tag}]`).join(' ')}\n` : '';
    out.push(`${tags}${head} {${answers}${general}}`);
  }
  return out.join('\n\n') + '\n';
}
