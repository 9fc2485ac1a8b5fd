import type { QuestionOption, QuestionSettings, QuestionType } from '../questionnaire.table.ts';

/** A quiz question as the interchange formats carry it (a subset of the builder's question). */
export interface QuizItem {
  name: string;
  type: Extract<QuestionType, 'single' | 'multiple' | 'short_text' | 'long_text' | 'number'>;
  prompt: string;
  options: QuestionOption[];
  settings: QuestionSettings;
  points: number;
  /** GIFT/Moodle true/false questions: kept so they export back as true/false. */
  trueFalse?: boolean;
  /** Skill tags: Moodle XML <tags>, GIFT "// [tag:…]" comments (Moodle's convention for both). */
  skills?: string[];
}

/** Skill tags a format can carry: no brackets or line breaks, trimmed, unique, at most 20 of 100 characters. */
export function cleanSkills(skills: readonly string[]): string[] {
  return [...new Set(skills.map((s) => s.replace(/[\[\]\r\n]/g, ' ').trim().slice(0, 100)).filter(Boolean))].slice(0, 20);
}

/** A syntax error in an imported file, where it is. */
export class InterchangeSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

/** Line and column (1-based) of an offset in a text. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** The quiz items of builder questions (types the formats cannot carry are left out and listed). */
export function itemsFromQuestions(questions: ReadonlyArray<{ id: string; type: QuestionType; prompt: string; options: QuestionOption[]; settings: QuestionSettings; points: number; skills?: string[] }>) {
  const items: QuizItem[] = [];
  const skipped: string[] = [];
  questions.forEach((q, i) => {
    if (q.type === 'single' || q.type === 'multiple' || q.type === 'short_text' || q.type === 'long_text' || q.type === 'number') {
      const trueFalse = q.type === 'single' && q.options.length === 2 && q.options.every((o) => o.id === 'true' || o.id === 'false');
      items.push({ name: `Q${i + 1}`, type: q.type, prompt: q.prompt, options: q.options, settings: q.settings, points: q.points || 1, ...(trueFalse ? { trueFalse } : {}), ...(q.skills?.length ? { skills: cleanSkills(q.skills) } : {}) });
    } else skipped.push(q.id);
  });
  return { items, skipped };
}
